using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Features.Photos;

namespace Returns.Grader.IntegrationTests;

/// <summary>
/// Load shedding at photo intake, over real HTTP: when the photos being worked on and the queue are full, a photo is
/// answered 503 problem+json with Retry-After at once, and nothing of it is kept. The test fills intake itself by
/// holding the admission, so what is asserted does not depend on timing.
/// </summary>
public sealed class LoadSheddingTests : IClassFixture<LoadSheddingTests.OnePhotoAtATimeApp>
{
    /// <summary>One photo at a time, one may wait, for 2 s at most.</summary>
    public sealed class OnePhotoAtATimeApp : GraderAppFactory
    {
        public OnePhotoAtATimeApp()
        {
            Settings["Grader:Photos:MaxConcurrentPhotos"] = "1";
            Settings["Grader:Photos:MaxQueuedPhotos"] = "1";
            Settings["Grader:Photos:MaxQueueWait"] = "00:00:02";
        }
    }

    private readonly OnePhotoAtATimeApp _app;

    public LoadSheddingTests(OnePhotoAtATimeApp app) => _app = app;

    private IntakeAdmission Admission => _app.Services.GetRequiredService<IntakeAdmission>();

    [Fact]
    public async Task PhotoBeyondTheQueue_Is503WithRetryAfter_AndNothingIsKept()
    {
        var client = _app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate())).GetProperty("id").GetString();

        // Intake is busy with one photo, and one more waits for its turn: the queue is full.
        using (await Admission.EnterAsync(1, CancellationToken.None))
        {
            using var stopWaiting = new CancellationTokenSource();
            var waiting = Admission.EnterAsync(1, stopWaiting.Token);
            Assert.Equal(1, Admission.Queued);

            var started = DateTime.UtcNow;
            var response = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("front.jpg", TestPhotos.PhotoLikeJpeg(800, 600), "image/jpeg")));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "a full queue answers at once, it does not wait");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var retryAfter = response.Headers.RetryAfter?.Delta;
            Assert.NotNull(retryAfter);
            Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60);
            var problem = await response.ReadJsonAsync();
            Assert.Equal(503, problem.GetProperty("status").GetInt32());
            Assert.Equal("queue_full", problem.GetProperty("reason").GetString());
            Assert.Equal((int)retryAfter.Value.TotalSeconds, problem.GetProperty("retryAfterSeconds").GetInt32());
            Assert.Contains("not kept", problem.GetProperty("detail").GetString());

            // The one waiting in the queue gives up (its caller went away): that is not "busy", and frees the queue.
            await stopWaiting.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
            Assert.Equal(0, Admission.Queued);
        }

        var item = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        Assert.Equal(0, item.GetProperty("photos").GetArrayLength());
    }

    [Fact]
    public async Task PhotoThatWaitsTooLong_Is503_AndTheSamePhotoIsKeptOnceIntakeIsFree()
    {
        var client = _app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate())).GetProperty("id").GetString();
        var photo = TestPhotos.PhotoLikeJpeg(800, 600);

        HttpResponseMessage refused;
        using (await Admission.EnterAsync(1, CancellationToken.None))
        {
            // Room in the queue, but intake stays busy longer than MaxQueueWait.
            refused = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("front.jpg", photo, "image/jpeg")));
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("wait_expired", (await refused.ReadJsonAsync()).GetProperty("reason").GetString());
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);

        var retried = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("front.jpg", photo, "image/jpeg")));
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        var item = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        Assert.Equal(1, item.GetProperty("photos").GetArrayLength());
    }

    [Fact]
    public async Task RequestWithMorePhotosThanCanRunAtOnce_TakesTheWholePipeline_AndIsKept()
    {
        var client = _app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate())).GetProperty("id").GetString();

        var response = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(
            ("a.jpg", TestPhotos.PhotoLikeJpeg(640, 480), "image/jpeg"),
            ("b.jpg", TestPhotos.PhotoLikeJpeg(640, 480), "image/jpeg"),
            ("c.jpg", TestPhotos.PhotoLikeJpeg(640, 480), "image/jpeg")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(3, (await response.ReadJsonAsync()).GetProperty("photos").GetArrayLength());
        Assert.Equal(0, Admission.Queued);
    }
}
