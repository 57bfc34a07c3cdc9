using MudBlazor.Services;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Components;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;
using Returns.Grader.Web.Features.Exports;
using Returns.Grader.Web.Features.Grading;
using Returns.Grader.Web.Features.Health;
using Returns.Grader.Web.Features.Items;
using Returns.Grader.Web.Features.Models;
using Returns.Grader.Web.Features.Photos;
using Returns.Grader.Web.Features.Quality;
using Returns.Grader.Web.Features.Review;
using Returns.Grader.Web.Infrastructure;
using Returns.Grader.Web.Infrastructure.Telemetry;

StartupFailures.ReportPlainly(); // a start that cannot go on: exit code 1 and the reason in words, not a stack and SIGABRT
var builder = WebApplication.CreateBuilder(args);

builder.AddGraderInfrastructure();
builder.AddGraderRateLimits();
builder.AddGraderTelemetry();
builder.AddGraderData();
builder.AddGraderAuth();
builder.AddGraderVision();
builder.AddGraderPhotos();
builder.AddGraderGrading();
builder.AddGraderDecisions();
builder.AddGraderItems();
builder.AddGraderReview();
builder.AddGraderQuality();
builder.AddGraderExports();
builder.AddGraderHealth();
// Notices at the bottom left, two at a time: at a grade a second, five stacked at the top right covered the new-item
// form's fields (long-shift pass, 2026-12-05).
builder.Services.AddMudServices(mud =>
{
    mud.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomLeft;
    mud.SnackbarConfiguration.MaxDisplayedSnackbars = 2;
});
builder.AddGraderCircuits(); // Blazor Server circuits: on this node, or through Azure SignalR Service

var app = builder.Build();

await app.PrepareGraderAsync();

app.UseForwardedHeaders(); // Grader:Proxy: the caller's scheme and address as a trusted proxy saw them
if (!app.Environment.IsDevelopment())
{
    app.UseHsts();
}
app.UseGraderSecurityHeaders();
app.UseExceptionHandler();
app.UseGraderStatusCodePages(); // problem+json, except a browser's unknown address: the "page not found" page
app.UseRouting(); // here, after the status-code pages: a 404 re-run as the "page not found" page is routed again
app.UseGraderUnmatchedApiAnswers(); // no API endpoint took it: 404, or 405 with Allow listing what the address takes
app.UseGraderAssets();
app.UseGraderFailedCredentialsLimit(); // before authentication: an address that keeps sending wrong keys is refused unchecked
app.UseAuthentication();
app.UseAuthorization();
// a compressed request body: 415 naming Content-Encoding, before anything reads it; after the credentials and the role
// (a caller without them was told 415 where the README promises 401 or 403: security pass, 2026-12-07)
app.UseGraderContentCoding();
app.UseRateLimiter(); // after authorization: limits are per signed-in user
app.UseAntiforgery();

app.MapGraderHealth();
app.MapGraderTelemetry();
app.MapAccountEndpoints();
var api = app.MapGraderApi(); // the API's route group (body size limit); each area maps its own endpoints into it
api.MapReturnEndpoints();
api.MapPhotoEndpoints();
api.MapDecisionEndpoints();
api.MapReviewEndpoints();
api.MapQualityEndpoints();
api.MapExportEndpoints();
api.MapModelEndpoints();
app.MapOpenApi().RequireAuthorization(Policies.Staff);
app.MapStaticAssets().AllowAnonymous();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();

/// <summary>Entry point; public so that tests can host the real app (WebApplicationFactory).</summary>
public partial class Program;
