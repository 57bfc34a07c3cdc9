using System.Net;
using Microsoft.Azure.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Returns.Grader.TestSupport;

namespace Returns.Grader.IntegrationTests;

/// <summary>
/// Circuits across nodes (issue 18): with an Azure SignalR Service connection string the app hands its circuits to the
/// service with sticky mode Required; without one it holds them itself. The service cannot be reached from here, so
/// the test checks the wiring and that the app starts and serves either way, not a connection to Azure.
/// </summary>
public sealed class CircuitHostingTests
{
    [Fact]
    public async Task WithoutAzureSignalR_TheAppHoldsItsOwnCircuits()
    {
        await using var app = new GraderAppFactory();

        var service = app.Services.GetRequiredService<IOptions<ServiceOptions>>().Value;

        Assert.Null(service.ConnectionString);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task WithAzureSignalR_CircuitsGoThroughTheService_StickyToTheirNode()
    {
        await using var app = new GraderAppFactory
        {
            Settings = { ["Grader:Circuits:AzureSignalRConnectionString"] = "Endpoint=https://grader-test.service.signalr.net;AccessKey=dGVzdC1rZXktbm90LWEtc2VjcmV0LWF0LWFsbC0xMjM0NTY3ODkwMTI=;Version=1.0;" },
        };

        var service = app.Services.GetRequiredService<IOptions<ServiceOptions>>().Value;

        Assert.StartsWith("Endpoint=https://grader-test.service.signalr.net", service.ConnectionString, StringComparison.Ordinal);
        Assert.Equal(ServerStickyMode.Required, service.ServerStickyMode);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public void AConnectionStringThatIsNotOne_StopsTheStartNamingTheKey()
    {
        using var app = new GraderAppFactory { Settings = { ["Grader:Circuits:AzureSignalRConnectionString"] = "signalr.example" } };

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("Grader:Circuits:AzureSignalRConnectionString", error.ToString(), StringComparison.Ordinal);
    }
}
