using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;

namespace Returns.Grader.IntegrationTests;

/// <summary>
/// What an attacker or a careless client sends, over every API endpoint, against the app on real Kestrel (so request
/// body limits are the server's own). Each row: the endpoint (its route pattern), the request, the expected status and
/// the field (or limit) the problem must name. Every row also checks that nothing was stored. A new endpoint fails
/// <see cref="EveryApiEndpoint_HasAHostileCase"/> until it has a row here (or is listed as taking no input).
/// </summary>
public sealed class HostileInputTests(HostileInputTests.Fixture fixture) : IClassFixture<HostileInputTests.Fixture>
{
    private const string Admin = "dev-admin";

    /// <summary>Placeholders in paths: {item} an item with a photo, {photo} that photo, {task} a review task the admin key has claimed.</summary>
    private static readonly HostileCase[] Cases =
    [
        // Announcing an item
        new("create: malformed JSON", "POST /api/v1/returns", "/api/v1/returns", Json("""{"returnId": "LP-1", """), 400, "body"),
        new("create: no body", "POST /api/v1/returns", "/api/v1/returns", Json(""), 400, "body"),
        new("create: number for a string", "POST /api/v1/returns", "/api/v1/returns", Json("""{"returnId": 5, "sku": "S", "title": "T", "category": "C", "unitValue": 1}"""), 400, "returnId"),
        new("create: 1e309", "POST /api/v1/returns", "/api/v1/returns", Json("""{"returnId": "LP-X1", "sku": "S", "title": "T", "category": "C", "unitValue": 1e309}"""), 400, "unitValue"),
        new("create: NaN as text", "POST /api/v1/returns", "/api/v1/returns", Json("""{"returnId": "LP-X2", "sku": "S", "title": "T", "category": "C", "unitValue": "NaN"}"""), 400, "unitValue"),
        new("create: plate ..", "POST /api/v1/returns", "/api/v1/returns", Item(returnId: ".."), 400, "returnId"),
        new("create: plate .", "POST /api/v1/returns", "/api/v1/returns", Item(returnId: "."), 400, "returnId"),
        new("create: plate ../etc", "POST /api/v1/returns", "/api/v1/returns", Item(returnId: "../etc"), 400, "returnId"),
        new("create: null byte in category", "POST /api/v1/returns", "/api/v1/returns", Item(category: "Kitchen\u0000"), 400, "category"),
        new("create: direction override in plate", "POST /api/v1/returns", "/api/v1/returns", Item(returnId: "\u202E1001-PL"), 400, "returnId"),
        new("create: RTL override in title", "POST /api/v1/returns", "/api/v1/returns", Item(title: "Kettle \u202Egpj.exe"), 400, "title"),
        new("create: body over the JSON limit", "POST /api/v1/returns", "/api/v1/returns", Item(title: new string('x', 300_000)), 413, "262,144"),
        new("create: not JSON", "POST /api/v1/returns", "/api/v1/returns", Raw("returnId=LP-1", "text/plain"), 415, "application/json"),

        // Reading items and photos
        new("item: non-GUID id", "GET /api/v1/returns/{id}", "/api/v1/returns/not-a-guid", None, 400, "id"),
        new("item by plate: no plate", "GET /api/v1/returns", "/api/v1/returns", None, 400, "returnId"),
        new("item by plate: NUL in plate", "GET /api/v1/returns", "/api/v1/returns?returnId=LP%00X", None, 400, "returnId"),
        new("item by plate: empty plate", "GET /api/v1/returns", "/api/v1/returns?returnId=%20", None, 400, "returnId"),
        new("photo: non-GUID id", "GET /api/v1/photos/{photoId}", "/api/v1/photos/12345", None, 400, "photoId"),
        new("photo: size not a number", "GET /api/v1/photos/{photoId}", "/api/v1/photos/{photo}?size=big", None, 400, "size"),
        new("photo: size past int", "GET /api/v1/photos/{photoId}", "/api/v1/photos/{photo}?size=99999999999", None, 400, "size"),
        new("photo: unknown size", "GET /api/v1/photos/{photoId}", "/api/v1/photos/{photo}?size=7", None, 400, "size"),

        // Setting a photo aside and putting it back (ADR 0052)
        new("set aside: non-GUID photo", "PUT /api/v1/photos/{photoId}/set-aside", "/api/v1/photos/12345/set-aside", Json("""{"reason": "wrong_item"}"""), 400, "photoId"),
        new("set aside: number for the reason", "PUT /api/v1/photos/{photoId}/set-aside", "/api/v1/photos/{photo}/set-aside", Json("""{"reason": 5}"""), 400, "reason"),
        new("set aside: unknown reason", "PUT /api/v1/photos/{photoId}/set-aside", "/api/v1/photos/{photo}/set-aside", Json("""{"reason": "blurry"}"""), 400, "reason"),
        new("set aside: no body", "PUT /api/v1/photos/{photoId}/set-aside", "/api/v1/photos/{photo}/set-aside", Json(""), 400, "reason"),
        new("set aside: version not a GUID", "PUT /api/v1/photos/{photoId}/set-aside", "/api/v1/photos/{photo}/set-aside", Json("""{"reason": "unusable", "itemVersion": "v1"}"""), 400, "itemVersion"),
        new("put back: non-GUID photo", "DELETE /api/v1/photos/{photoId}/set-aside", "/api/v1/photos/12345/set-aside", None, 400, "photoId"),
        new("put back: version not a GUID", "DELETE /api/v1/photos/{photoId}/set-aside", "/api/v1/photos/{photo}/set-aside?itemVersion=v1", None, 400, "itemVersion"),

        // Uploading photos
        new("photos: non-GUID item", "POST /api/v1/returns/{id}/photos", "/api/v1/returns/nope/photos", Multipart(Truncated()), 400, "id"),
        new("photos: truncated multipart", "POST /api/v1/returns/{id}/photos", "/api/v1/returns/{item}/photos", Multipart(Truncated()), 400, "body"),
        new("photos: no boundary", "POST /api/v1/returns/{id}/photos", "/api/v1/returns/{item}/photos", Raw(Closed(), "multipart/form-data"), 400, "Content-Type"),
        new("photos: 1025 form fields", "POST /api/v1/returns/{id}/photos", "/api/v1/returns/{item}/photos", Multipart(ManyFields(1025)), 400, "form"),
        new("photos: no file part", "POST /api/v1/returns/{id}/photos", "/api/v1/returns/{item}/photos", Multipart(ManyFields(3)), 400, "file"),
        new("photos: a file part without a filename", "POST /api/v1/returns/{id}/photos", "/api/v1/returns/{item}/photos", Multipart(Parts(("file", null))), 400, "file"),
        new("photos: a photo under another name", "POST /api/v1/returns/{id}/photos", "/api/v1/returns/{item}/photos", Multipart(Parts(("file", "a.jpg"), ("files", "b.jpg"))), 400, "files"),

        // Grading
        new("grade: flag combination", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": "VeryGood,Good", "disposition": "restock"}"""), 400, "grade"),
        new("grade: number as text", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": "3", "disposition": "restock"}"""), 400, "grade"),
        new("grade: unknown name", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": "Excellent", "disposition": "restock"}"""), 400, "grade"),
        new("grade: number for a string", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": 2, "disposition": "restock"}"""), 400, "grade"),
        new("grade: disposition by number", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": "Good", "disposition": "1"}"""), 400, "disposition"),
        new("grade: source by number", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": "Good", "disposition": "restock", "damage": [{"type": "scratch", "source": "1"}]}"""), 400, "damage[0].source"),
        new("grade: source flag combination", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": "Good", "disposition": "restock", "damage": [{"type": "scratch", "source": "accepted,edited"}]}"""), 400, "damage[0].source"),
        new("grade: box x overflows", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Box("2147483647, 0, 1, 1"), 400, "damage[0].box"),
        new("grade: box size overflows", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Box("10, 10, 2147483647, 2147483647"), 400, "damage[0].box"),
        new("grade: box zero width", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Box("0, 0, 0, 10"), 400, "damage[0].box"),
        new("grade: box negative", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Box("-1, 0, 10, 10"), 400, "damage[0].box"),
        new("grade: box past the edge", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Box("600, 0, 41, 10"), 400, "damage[0].box"),
        new("grade: box of 3", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Box("0, 0, 10"), 400, "damage[0].box"),
        new("grade: box fraction", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Box("1.5, 0, 10, 10"), 400, "damage[0].box[0]"),
        new("grade: box past int", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Box("2147483648, 0, 10, 10"), 400, "damage[0].box[0]"),
        new("grade: null damage entry", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": "Good", "disposition": "restock", "damage": [null]}"""), 400, "damage[0]"),
        new("grade: damage not an array", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": "Good", "disposition": "restock", "damage": "scratch"}"""), 400, "damage"),
        new("grade: 201 damage entries", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", ManyDamage(201), 400, "damage"),
        new("grade: itemVersion not a GUID", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": "Good", "disposition": "restock", "itemVersion": "v2"}"""), 400, "itemVersion"),
        new("grade: flag not a boolean", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": "Good", "disposition": "restock", "flagForReview": "yes"}"""), 400, "flagForReview"),
        new("grade: photoId not a GUID", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": "Good", "disposition": "restock", "damage": [{"type": "dent", "photoId": "p1"}]}"""), 400, "damage[0].photoId"),
        new("grade: malformed JSON", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Json("""{"grade": "Good" "disposition": "restock"}"""), 400, "body"),
        new("grade: NUL in notes", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": "Good", "disposition": "restock", "notes": "dent\u0000"}"""), 400, "notes"),
        new("grade: NUL in contradiction reason", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": "Good", "disposition": "restock", "contradictionReason": "\u0000"}"""), 400, "contradictionReason"),
        new("grade: direction override in notes", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": "Good", "disposition": "restock", "notes": "abc\u202Edef"}"""), 400, "notes"),
        new("grade: left-to-right override in reason", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": "Good", "disposition": "restock", "contradictionReason": "\u202Dx"}"""), 400, "contradictionReason"),
        new("grade: misspelt damage", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": "Good", "disposition": "restock", "damages": [{"type": "dent"}]}"""), 400, "damages"),
        new("grade: misspelt flag", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Grade("""{"grade": "Good", "disposition": "restock", "flagForRevew": true}"""), 400, "flagForRevew"),
        new("grade: non-GUID item", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/LP-1/grade", Grade("""{"grade": "Good", "disposition": "restock"}"""), 400, "id"),

        // Review queue
        new("queue: minAgeHours 1e300", "GET /api/v1/review-queue", "/api/v1/review-queue?minAgeHours=1e300", None, 400, "minAgeHours"),
        new("queue: minAgeHours 1e309", "GET /api/v1/review-queue", "/api/v1/review-queue?minAgeHours=1e309", None, 400, "minAgeHours"),
        new("queue: minAgeHours -Infinity", "GET /api/v1/review-queue", "/api/v1/review-queue?minAgeHours=-Infinity", None, 400, "minAgeHours"),
        new("queue: minAgeHours NaN", "GET /api/v1/review-queue", "/api/v1/review-queue?minAgeHours=NaN", None, 400, "minAgeHours"),
        new("queue: minAgeHours negative", "GET /api/v1/review-queue", "/api/v1/review-queue?minAgeHours=-1", None, 400, "minAgeHours"),
        new("queue: minAgeHours with a comma", "GET /api/v1/review-queue", "/api/v1/review-queue?minAgeHours=1,5", None, 400, "minAgeHours"),
        new("queue: minAgeHours not a number", "GET /api/v1/review-queue", "/api/v1/review-queue?minAgeHours=old", None, 400, "minAgeHours"),
        new("queue: reason by number", "GET /api/v1/review-queue", "/api/v1/review-queue?reason=3", None, 400, "reason"),
        new("queue: reason flag combination", "GET /api/v1/review-queue", "/api/v1/review-queue?reason=LowConfidence,HighValue", None, 400, "reason"),
        new("queue: NUL in plate", "GET /api/v1/review-queue", "/api/v1/review-queue?plate=LP%00", None, 400, "plate"),
        new("queue: NUL in category", "GET /api/v1/review-queue", "/api/v1/review-queue?category=%00", None, 400, "category"),
        new("queue: take 0", "GET /api/v1/review-queue", "/api/v1/review-queue?take=0", None, 400, "take"),
        new("queue: take past the page", "GET /api/v1/review-queue", "/api/v1/review-queue?take=501", None, 400, "take"),
        new("queue: skip negative", "GET /api/v1/review-queue", "/api/v1/review-queue?skip=-1", None, 400, "skip"),
        new("queue: take not a number", "GET /api/v1/review-queue", "/api/v1/review-queue?take=all", None, 400, "take"),
        new("queue: unknown reason", "GET /api/v1/review-queue", "/api/v1/review-queue?reason=Boredom", None, 400, "reason"),
        new("claim: non-GUID task", "POST /api/v1/review-queue/{taskId}/claim", "/api/v1/review-queue/7/claim", None, 400, "taskId"),
        new("bulk approve: a task id that is not a GUID", "POST /api/v1/review-queue/approve-agreeing", "/api/v1/review-queue/approve-agreeing", Json("""{"taskIds": ["7"]}"""), 400, "taskIds[0]"),
        new("bulk approve: task ids not a list", "POST /api/v1/review-queue/approve-agreeing", "/api/v1/review-queue/approve-agreeing", Json("""{"taskIds": "all"}"""), 400, "taskIds"),
        new("bulk approve: no task ids", "POST /api/v1/review-queue/approve-agreeing", "/api/v1/review-queue/approve-agreeing", Json("""{"taskIds": []}"""), 400, "taskIds"),
        new("review: non-GUID task", "POST /api/v1/review-queue/{taskId}/decision", "/api/v1/review-queue/7/decision", Grade("""{"grade": "Good", "disposition": "restock", "reasonCode": "approved"}"""), 400, "taskId"),
        // A gzip body (valid JSON, compressed) was a 400 "not valid JSON": the app reads bodies as sent, and says so by the header.
        new("grade: gzip body", "POST /api/v1/returns/{id}/grade", "/api/v1/returns/{item}/grade", Gzipped("""{"grade": "Good", "disposition": "restock"}"""), 415, "Content-Encoding"),
        new("create: gzip body", "POST /api/v1/returns", "/api/v1/returns", Gzipped("""{"returnId": "LP-GZ-1", "sku": "S", "title": "T", "category": "C", "unitValue": 1}"""), 415, "Content-Encoding"),
        new("review: JSON cut short", "POST /api/v1/review-queue/{taskId}/decision", "/api/v1/review-queue/{task}/decision", Json("""{"grade": """), 400, "body"),
        new("review: flag combination", "POST /api/v1/review-queue/{taskId}/decision", "/api/v1/review-queue/{task}/decision", Grade("""{"grade": "VeryGood,Good", "disposition": "restock", "reasonCode": "wrong_grade"}"""), 400, "grade"),
        new("review: box overflows", "POST /api/v1/review-queue/{taskId}/decision", "/api/v1/review-queue/{task}/decision", Grade("""{"grade": "Good", "disposition": "restock", "reasonCode": "approved", "damage": [{"type": "dent", "photoId": "{reviewPhoto}", "box": [2147483647, 0, 1, 1]}]}"""), 400, "damage[0].box"),

        // Quality
        new("report: from not a date", "GET /api/v1/quality/report", "/api/v1/quality/report?from=yesterday", None, 400, "from"),
        new("report: to out of range", "GET /api/v1/quality/report", "/api/v1/quality/report?to=2026-13-45", None, 400, "to"),
        new("report: to before from", "GET /api/v1/quality/report", "/api/v1/quality/report?from=2026-12-10&to=2026-12-01", None, 400, "to"),
        new("report: NUL in category", "GET /api/v1/quality/report", "/api/v1/quality/report?category=K%00", None, 400, "category"),
        new("acceptance: to same as from", "GET /api/v1/quality/suggestion-acceptance", "/api/v1/quality/suggestion-acceptance?from=2026-12-10&to=2026-12-10", None, 400, "to"),
        new("acceptance: from not a date", "GET /api/v1/quality/suggestion-acceptance", "/api/v1/quality/suggestion-acceptance?from=%00", None, 400, "from"),

        // Exports
        new("export: from not a date", "POST /api/v1/exports", "/api/v1/exports", Json("""{"from": "yesterday"}"""), 400, "from"),
        new("export: categories not an array", "POST /api/v1/exports", "/api/v1/exports", Json("""{"categories": "Kitchen"}"""), 400, "categories"),
        new("export: NUL in a category", "POST /api/v1/exports", "/api/v1/exports", Json("""{"categories": ["a\u0000b"]}"""), 400, "categories[0]"),
        new("export: NUL in modelVersion", "POST /api/v1/exports", "/api/v1/exports", Json("""{"modelVersion": "m\u0000"}"""), 400, "modelVersion"),
        new("export: an empty category", "POST /api/v1/exports", "/api/v1/exports", Json("""{"categories": ["Kitchen", " "]}"""), 400, "categories[1]"),
        new("export: a null category", "POST /api/v1/exports", "/api/v1/exports", Json("""{"labels": "final", "categories": [null]}"""), 400, "categories[0]"),
        new("export: misspelt categories", "POST /api/v1/exports", "/api/v1/exports", Json("""{"category": ["Kitchen"]}"""), 400, "category"),
        new("export: unknown labels", "POST /api/v1/exports", "/api/v1/exports", Json("""{"labels": "everything"}"""), 400, "labels"),
        new("export: malformed JSON", "POST /api/v1/exports", "/api/v1/exports", Json("""[{"""), 400, "body"),
        new("export: JSON null", "POST /api/v1/exports", "/api/v1/exports", Json("null"), 400, "body"),
        new("export: no body", "POST /api/v1/exports", "/api/v1/exports", Json(""), 400, "body"),
        new("export status: non-GUID id", "GET /api/v1/exports/{id}", "/api/v1/exports/latest", None, 400, "id"),
        new("export download: non-GUID id", "GET /api/v1/exports/{id}/download", "/api/v1/exports/latest/download", None, 400, "id"),
        new("export cancel: non-GUID id", "POST /api/v1/exports/{id}/cancel", "/api/v1/exports/latest/cancel", None, 400, "id"),

        // Models
        new("model upload: truncated multipart", "POST /api/v1/models", "/api/v1/models", Multipart(Truncated()), 400, "body"),
        new("model upload: no boundary", "POST /api/v1/models", "/api/v1/models", Raw(Closed(), "multipart/form-data"), 400, "Content-Type"),
        new("model upload: 1025 form fields", "POST /api/v1/models", "/api/v1/models", Multipart(ManyFields(1025)), 400, "form"),
        new("model upload: not multipart", "POST /api/v1/models", "/api/v1/models", Json("{}"), 415, "multipart/form-data"),
        new("promote: non-GUID id", "POST /api/v1/models/{id}/promote", "/api/v1/models/grader-vit@3/promote", None, 400, "id"),
        new("shadow: non-GUID id", "POST /api/v1/models/{id}/shadow", "/api/v1/models/1/shadow", None, 400, "id"),
        new("retire: non-GUID id", "POST /api/v1/models/{id}/retire", "/api/v1/models/1/retire", None, 400, "id"),
        new("comparison: NUL in baseline", "GET /api/v1/models/comparison", "/api/v1/models/comparison?baseline=a%00b&candidate=c", None, 400, "baseline"),
        new("comparison: a model nobody registered", "GET /api/v1/models/comparison", "/api/v1/models/comparison?baseline=nope@1&candidate=nope@2", None, 400, "baseline"),
        new("comparison: a baseline nobody registered, and no shadow", "GET /api/v1/models/comparison", "/api/v1/models/comparison?baseline=x", None, 400, "baseline"),
        new("comparison: an unknown label set, and no shadow", "GET /api/v1/models/comparison", "/api/v1/models/comparison?labels=bogus", None, 400, "labels"),
        new("rollback: from not name@version", "POST /api/v1/models/rollback", "/api/v1/models/rollback?from=x", None, 400, "from"),
        new("comparison: to before from", "GET /api/v1/models/comparison", "/api/v1/models/comparison?baseline=nope@1&candidate=nope@2&from=2026-12-10&to=2026-12-01", None, 400, "to"),
        new("comparison: from not a date", "GET /api/v1/models/comparison", "/api/v1/models/comparison?from=soon", None, 400, "from"),
    ];

    /// <summary>Endpoints that read nothing from the caller (no route value, query or body): nothing hostile to send.</summary>
    private static readonly string[] TakesNoInput = ["GET /api/v1/exports", "GET /api/v1/models"];

    public static TheoryData<string> CaseNames => [.. Cases.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task HostileRequest_IsRefusedWithAProblemNamingTheField_AndStoresNothing(string name)
    {
        var hostile = Cases.Single(c => c.Name == name);
        var before = await fixture.CountStoredAsync();

        using var request = new HttpRequestMessage(new HttpMethod(hostile.Endpoint.Split(' ')[0]), fixture.Fill(hostile.Url)) { Content = hostile.Body(fixture) };
        var response = await fixture.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(hostile.Status == (int)response.StatusCode, $"{name}: expected {hostile.Status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        if (problem.RootElement.TryGetProperty("errors", out var errors))
        {
            Assert.True(errors.TryGetProperty(hostile.Names, out var reasons), $"{name}: errors should name '{hostile.Names}': {text}");
            Assert.False(string.IsNullOrWhiteSpace(reasons[0].GetString()));
        }
        else
        {
            Assert.Contains(hostile.Names, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(before, await fixture.CountStoredAsync());
    }

    [Theory]
    [InlineData("/api/v1/returns", """{"returnId": "LP-T1", "sku": "S", "title": "T", "category": "C", "unitValue": "abc"}""", "unitValue", "a finite number in range")]
    [InlineData("/api/v1/returns", """{"returnId": "LP-T2", "sku": "S", "title": "T", "category": "C", "unitValue": 1e300}""", "unitValue", "a finite number in range")]
    [InlineData("/api/v1/returns", """{"returnId": "LP-T4", "sku": "S", "title": "T", "category": "C", "unitValue": "10"}""", "unitValue", "a finite number in range")]
    // Read as 0 and as 0.10 without a word before the check: "at most two decimals" could not see what was lost.
    [InlineData("/api/v1/returns", """{"returnId": "LP-T5", "sku": "S", "title": "T", "category": "C", "unitValue": 1e-31}""", "unitValue", "cannot be held exactly")]
    [InlineData("/api/v1/returns", """{"returnId": "LP-T6", "sku": "S", "title": "T", "category": "C", "unitValue": 0.1000000000000000000000000000001}""", "unitValue", "cannot be held exactly")]
    [InlineData("/api/v1/returns/{item}/grade", """{"grade": "Good", "disposition": "restock", "damage": [{"type": "dent", "photoId": "0197a0a0-0000-7000-8000-000000000001", "box": ["1", 2, 3, 4]}]}""", "damage[0].box[0]", "a whole number in range")]
    [InlineData("/api/v1/returns/{item}/grade", """{"grade": 3, "disposition": "restock"}""", "grade", "a string")]
    [InlineData("/api/v1/returns/{item}/grade", """{"grade": "Good", "disposition": "restock", "itemVersion": 123}""", "itemVersion", "a GUID")]
    [InlineData("/api/v1/returns/{item}/grade", """{"grade": "Good", "disposition": "restock", "flagForReview": "yes"}""", "flagForReview", "true or false")]
    [InlineData("/api/v1/returns/{item}/grade", """{"grade": "Good", "disposition": "restock", "damage": [{"type": "dent", "photoId": "nope"}]}""", "damage[0].photoId", "a GUID")]
    [InlineData("/api/v1/returns", """{"returnId":""", "body", "not valid JSON")]
    // A key given twice: the reader took the last, a proxy or a log may read the first (which grade was stored?).
    [InlineData("/api/v1/returns/{item}/grade", """{"grade": "LikeNew", "disposition": "restock", "grade": "Unsellable"}""", "grade", "given twice")]
    [InlineData("/api/v1/returns/{item}/grade", """{"grade": "Good", "disposition": "restock", "damage": [{"type": "dent", "type": "tear"}]}""", "damage[0].type", "given twice")]
    public async Task AValueOfTheWrongType_IsRefusedSayingWhatTheFieldWants(string url, string body, string field, string wants)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var response = await fixture.Client.PostAsync(fixture.Fill(url), content);

        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(HttpStatusCode.BadRequest == response.StatusCode, $"{(int)response.StatusCode}: {answer}");
        using var problem = JsonDocument.Parse(answer);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out var reasons), answer);
        var reason = reasons[0].GetString()!;
        Assert.Contains(wants, reason, StringComparison.Ordinal); // it said "The value must be an object." for all but the last
        Assert.Contains($"{field}: ", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A compressed body from a caller without credentials or without the role is refused for those first, as the README
    /// says (401, 403): it was a 415 naming Content-Encoding (security pass, 2026-12-07).
    /// </summary>
    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("dev-data", HttpStatusCode.Forbidden)]
    [InlineData("dev-grader", HttpStatusCode.UnsupportedMediaType)]
    public async Task ACompressedBody_IsRefusedForTheCredentialsAndTheRoleFirst(string? key, HttpStatusCode expected)
    {
        using var client = fixture.App.ApiClient(key ?? "none");
        if (key is null)
        {
            client.DefaultRequestHeaders.Remove("X-Api-Key");
        }
        using var content = Gzipped("""{"grade": "Good", "disposition": "restock"}""")(fixture)!;

        var response = await client.PostAsync(fixture.Fill("/api/v1/returns/{item}/grade"), content);

        Assert.Equal(expected, response.StatusCode);
    }

    /// <summary>
    /// A body of a content type the endpoint does not read is refused for the credentials and the role first too: routing
    /// answered 415 before either was checked (security pass, 2026-12-07). With them, the 415 stands.
    /// </summary>
    [Theory]
    [InlineData(null, "/api/v1/returns/{item}/photos", HttpStatusCode.Unauthorized)]
    [InlineData("dev-data", "/api/v1/returns/{item}/photos", HttpStatusCode.Forbidden)]
    [InlineData("dev-grader", "/api/v1/returns/{item}/photos", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("dev-grader", "/api/v1/models", HttpStatusCode.Forbidden)]
    [InlineData("dev-data", "/api/v1/models", HttpStatusCode.UnsupportedMediaType)]
    public async Task ABodyOfAnotherContentType_IsRefusedForTheCredentialsAndTheRoleFirst(string? key, string url, HttpStatusCode expected)
    {
        using var client = fixture.App.ApiClient(key ?? "none");
        if (key is null)
        {
            client.DefaultRequestHeaders.Remove("X-Api-Key");
        }
        using var content = new StringContent("""{"x": 1}""", Encoding.UTF8, "application/json");

        var response = await client.PostAsync(fixture.Fill(url), content);

        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{(int)response.StatusCode}: {answer}");
        Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A "file" part without a filename is said to be one, not "add a part named file" (security pass, 2026-12-07).</summary>
    [Fact]
    public async Task AFilePartWithoutAFilename_IsSaidToHaveNone()
    {
        using var content = Multipart(Parts(("file", null)))(fixture)!;

        var response = await fixture.Client.PostAsync(fixture.Fill("/api/v1/returns/{item}/photos"), content);

        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(HttpStatusCode.BadRequest == response.StatusCode, $"{(int)response.StatusCode}: {answer}");
        using var problem = JsonDocument.Parse(answer);
        Assert.Contains("has no filename", problem.RootElement.GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A refusal of the request's values (not its JSON) has a detail in plain words naming each field, as every refusal
    /// does (README): "The grade is not valid" came with "errors" only (security pass, 2026-12-07).
    /// </summary>
    [Fact]
    public async Task AValidationRefusal_HasADetailNamingTheField()
    {
        using var content = new StringContent("""{"grade": "Mint", "disposition": "resell_used", "damage": []}""", System.Text.Encoding.UTF8, "application/json");
        var response = await fixture.Client.PostAsync(fixture.Fill("/api/v1/returns/{item}/grade"), content);

        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(HttpStatusCode.BadRequest == response.StatusCode, $"{(int)response.StatusCode}: {answer}");
        using var problem = JsonDocument.Parse(answer);
        var reason = problem.RootElement.GetProperty("errors").GetProperty("grade")[0].GetString();
        Assert.Equal($"grade: {reason}", problem.RootElement.GetProperty("detail").GetString());
    }

    /// <summary>
    /// A query value of the wrong type says what the field wants, as a body's does: an optional GUID in the query said
    /// "'v1' is not a value of the expected type." where the same field in a body said "a GUID" (multi-node pass, 2026-12-07).
    /// </summary>
    [Theory]
    [InlineData("DELETE", "/api/v1/photos/{photo}/set-aside?itemVersion=v1", "itemVersion", "'v1' is not a GUID")]
    [InlineData("POST", "/api/v1/review-queue/{task}/claim?itemVersion=v1", "itemVersion", "'v1' is not a GUID")]
    [InlineData("GET", "/api/v1/review-queue?take=many", "take", "'many' is not a whole number")]
    [InlineData("GET", "/api/v1/review-queue?minAgeHours=soon", "minAgeHours", "'soon' is not a")]
    public async Task AQueryValueOfTheWrongType_IsRefusedSayingWhatTheFieldWants(string method, string url, string field, string says)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), fixture.Fill(url));
        var response = await fixture.Client.SendAsync(request);

        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(HttpStatusCode.BadRequest == response.StatusCode, $"{(int)response.StatusCode}: {answer}");
        using var problem = JsonDocument.Parse(answer);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out var reasons), answer);
        Assert.Contains(says, reasons[0].GetString()!, StringComparison.Ordinal);
        Assert.DoesNotContain("expected type", answer, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryApiEndpoint_HasAHostileCase()
    {
        var endpoints = fixture.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
                .Where(m => m != "HEAD") // a GET's HEAD takes the GET's input, and its GET's case covers it
                .Select(m => $"{m} /{e.RoutePattern.RawText!.Trim('/')}"))
            .ToHashSet();
        var covered = Cases.Select(c => c.Endpoint).Concat(TakesNoInput).ToHashSet();

        Assert.NotEmpty(endpoints);
        Assert.Empty(endpoints.Except(covered)); // an endpoint listed here needs a row in Cases
        Assert.Empty(covered.Except(endpoints)); // a row whose endpoint no longer exists
        foreach (var hostile in Cases)
        {
            Assert.True(Matches(hostile.Endpoint.Split(' ')[1], hostile.Url), $"{hostile.Name}: {hostile.Url} is not a request to {hostile.Endpoint}");
        }
    }

    private static bool Matches(string pattern, string url)
    {
        var expected = pattern.Trim('/').Split('/');
        var actual = url.Split('?')[0].Trim('/').Split('/');
        return expected.Length == actual.Length && expected.Zip(actual).All(p => p.First.StartsWith('{') || p.First == p.Second);
    }

    // Bodies ------------------------------------------------------------------------------------------------------

    private static Func<Fixture, HttpContent?> None => _ => null;

    private static Func<Fixture, HttpContent?> Json(string json) => f => new StringContent(f.Fill(json), Encoding.UTF8, "application/json");

    private static Func<Fixture, HttpContent?> Raw(string body, string contentType) => _ =>
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    };

    private static Func<Fixture, HttpContent?> Grade(string json) => Json(json);

    private static Func<Fixture, HttpContent?> Gzipped(string json) => f =>
    {
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(f.Fill(json)));
        }
        var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        return content;
    };

    private static Func<Fixture, HttpContent?> Item(string returnId = "LP-OK-1", string title = "Kettle", string category = "Kitchen") => _ =>
        JsonContent.Create(new { returnId, sku = "SKU-1", title, category, unitValue = 25m });

    private static Func<Fixture, HttpContent?> Box(string box) =>
        Json($$"""{"grade": "Good", "disposition": "restock", "damage": [{"type": "scratch", "photoId": "{photo}", "box": [{{box}}]}]}""");

    private static Func<Fixture, HttpContent?> ManyDamage(int count) =>
        Json($$"""{"grade": "Good", "disposition": "restock", "damage": [{{string.Join(", ", Enumerable.Repeat("""{"type": "scratch"}""", count))}}]}""");

    private const string Boundary = "hostile-boundary";

    private static Func<Fixture, HttpContent?> Multipart(string body) => Raw(body, $"multipart/form-data; boundary={Boundary}");

    /// <summary>A file part whose body stops before the closing boundary: an upload cut short.</summary>
    private static string Truncated() =>
        $"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" + new string('x', 4096);

    /// <summary>A complete form with one small text field.</summary>
    private static string Closed() => $"--{Boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--{Boundary}--\r\n";

    /// <summary>A complete form of the parts given: (name, filename), a filename of null making a text field.</summary>
    private static string Parts(params (string Name, string? FileName)[] parts)
    {
        var body = new StringBuilder();
        foreach (var (name, fileName) in parts)
        {
            body.Append(CultureInvariant($"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{(fileName is null ? "" : $"; filename=\"{fileName}\"")}\r\nContent-Type: image/jpeg\r\n\r\nxxxx\r\n"));
        }
        return body.Append(CultureInvariant($"--{Boundary}--\r\n")).ToString();
    }

    private static string ManyFields(int count)
    {
        var body = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            body.Append(CultureInvariant($"--{Boundary}\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nx\r\n"));
        }
        return body.Append(CultureInvariant($"--{Boundary}--\r\n")).ToString();
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);

    public sealed record HostileCase(string Name, string Endpoint, string Url, Func<Fixture, HttpContent?> Body, int Status, string Names)
    {
        public override string ToString() => Name;
    }

    /// <summary>The app on Kestrel in manual mode, an item with a photo, and a review task claimed by the admin key.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public GraderAppFactory App { get; } = new();

        public HttpClient Client { get; private set; } = default!;

        private readonly Dictionary<string, string> _placeholders = [];

        public async Task InitializeAsync()
        {
            App.Settings["Grader:Vision:ModelDirectory"] = "";
            // More export cases than one user's export burst (10): the limit is not what these cases are about.
            App.Settings["Grader:RateLimits:ExportsBurst"] = "100";
            App.StartOnKestrel();
            Client = App.ApiClient(Admin);

            var (item, photo) = await ItemWithPhotoAsync();
            _placeholders["{item}"] = item;
            _placeholders["{photo}"] = photo;

            var (reviewed, reviewPhoto) = await ItemWithPhotoAsync();
            // graded by a grader: the admin reviews it (nobody reviews their own grade)
            var graded = await App.ApiClient("dev-grader").PostAsJsonAsync($"/api/v1/returns/{reviewed}/grade", new { grade = "Good", disposition = "resell_used", flagForReview = true });
            Assert.Equal(HttpStatusCode.Created, graded.StatusCode);
            var queue = await (await Client.GetAsync("/api/v1/review-queue")).ReadJsonAsync();
            var task = queue.EnumerateArray().Single(t => t.GetProperty("itemId").GetString() == reviewed).GetProperty("taskId").GetString()!;
            Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode);
            _placeholders["{task}"] = task;
            _placeholders["{reviewPhoto}"] = reviewPhoto;
        }

        private async Task<(string Item, string Photo)> ItemWithPhotoAsync()
        {
            var item = (await Client.CreateItemAsync(ApiJson.UniquePlate())).GetProperty("id").GetString()!;
            var upload = await Client.PostAsync($"/api/v1/returns/{item}/photos", ApiJson.PhotoForm(("p.jpg", TestPhotos.PhotoLikeJpeg(640, 480), "image/jpeg")));
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
            return (item, (await upload.ReadJsonAsync()).GetProperty("photos")[0].GetProperty("photoId").GetString()!);
        }

        public string Fill(string text) => _placeholders.Aggregate(text, (s, p) => s.Replace(p.Key, p.Value, StringComparison.Ordinal));

        /// <summary>Rows in every table a request could write, and the files in the photo store.</summary>
        public async Task<string> CountStoredAsync()
        {
            await using var db = await App.Services.GetRequiredService<IDbContextFactory<GraderDb>>().CreateDbContextAsync();
            var photos = Path.Combine(App.DataDirectory, "photos");
            var files = Directory.Exists(photos) ? Directory.EnumerateFiles(photos, "*", SearchOption.AllDirectories).Count() : 0;
            return $"items {await db.ReturnItems.CountAsync()}, photos {await db.Photos.CountAsync()} ({files} files), " +
                $"decisions {await db.GradeDecisions.CountAsync()}, regions {await db.DamageRegions.CountAsync()}, " +
                $"open tasks {await db.ReviewTasks.CountAsync(t => t.Status == ReviewStatus.Open)}, exports {await db.ExportJobs.CountAsync()}, " +
                $"models {await db.RegisteredModels.CountAsync()}, audit {await db.AuditEvents.CountAsync()}";
        }

        public async Task DisposeAsync()
        {
            Client?.Dispose();
            await App.DisposeAsync();
        }
    }
}
