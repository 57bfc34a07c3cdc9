using Microsoft.Extensions.Options;

namespace Returns.Grader.Web.Features.Models;

/// <summary>
/// Keeps this node's loaded models the ones the shared database names: every <see cref="VisionOptions.RegistryRefreshInterval"/>
/// it asks the registry to follow a promotion, shadowing or retirement made on another node, without a restart.
/// A change made on this node takes effect at once; this only bounds how long the other nodes lag.
/// </summary>
public sealed partial class ModelRegistrySync(ModelRegistry registry, IOptions<VisionOptions> options, TimeProvider clock, ILogger<ModelRegistrySync> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.RegistryRefreshInterval, clock, stoppingToken);
                if (await registry.RefreshAsync(stoppingToken))
                {
                    LogFollowed(logger, registry.Active?.Manifest.ModelVersion ?? "none (manual mode)", registry.ShadowVersion ?? "none");
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A database hiccup must not stop the host; the next round tries again.
                LogRefreshFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Followed a model change made on another node: active {Active}, shadow {Shadow}")]
    private static partial void LogFollowed(ILogger logger, string active, string shadow);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for model changes made on other nodes failed; trying again at the next interval")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
