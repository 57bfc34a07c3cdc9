using System.ComponentModel.DataAnnotations;
using Microsoft.Azure.SignalR;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>
/// Section "Grader:Circuits": where the stations' Blazor Server circuits (SignalR connections) are held. Empty (the
/// default): on this node, so behind a load balancer every node needs sticky sessions (docs/operations.md). With an
/// Azure SignalR Service connection string the service holds them and routes each back to the node whose circuit it is.
/// </summary>
public sealed class CircuitOptions
{
    public const string Section = "Grader:Circuits";

    /// <summary>An Azure SignalR Service connection string (<c>Endpoint=https://…;AccessKey=…;Version=1.0;</c>), or empty.</summary>
    [RegularExpression(@"^(|Endpoint=https://.+)$", ErrorMessage = "Grader:Circuits:AzureSignalRConnectionString must be empty or an Azure SignalR Service connection string starting with Endpoint=https://")]
    public string AzureSignalRConnectionString { get; set; } = "";
}

public static class CircuitHosting
{
    /// <summary>Blazor Server's interactive circuits, on this node or through Azure SignalR Service (issue 18).</summary>
    public static WebApplicationBuilder AddGraderCircuits(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CircuitOptions>().BindConfigurationStrictly(CircuitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddScoped<Components.CircuitConnection>();
        builder.Services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler>(services => services.GetRequiredService<Components.CircuitConnection>());
        var azure = builder.Configuration[$"{CircuitOptions.Section}:{nameof(CircuitOptions.AzureSignalRConnectionString)}"];
        if (!string.IsNullOrWhiteSpace(azure))
        {
            // A circuit's state lives in one node's memory: the service must always send a connection back to the node
            // that started it (Required), or the station's page would meet a node that does not know its circuit.
            builder.Services.AddSignalR().AddAzureSignalR(options =>
            {
                options.ConnectionString = azure;
                options.ServerStickyMode = ServerStickyMode.Required;
            });
        }
        return builder;
    }
}
