using Microsoft.Extensions.Options;
using Returns.Grader.Vision.Inference;
using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Features.Models;

/// <summary>
/// Holds the active model (one InferenceSession for the whole app). If the model is missing or broken the app runs in
/// manual mode: grading goes on without suggestions, the station says so, and /readyz reports it.
/// </summary>
public sealed partial class ModelRegistry : IDisposable
{
    private readonly ILogger<ModelRegistry> _logger;

    public ModelRegistry(IOptions<VisionOptions> options, ILogger<ModelRegistry> logger)
    {
        _logger = logger;
        var directory = options.Value.ResolveModelDirectory();
        if (directory is null)
        {
            ManualModeReason = "No model is configured (Grader:Vision:ModelDirectory is empty).";
            return;
        }
        try
        {
            Active = GradeModel.Load(directory, options.Value.ToSettings());
            var unknown = Active.Manifest.Grades.Where(g => !Enum.TryParse<Grade>(g, out _)).ToList();
            if (unknown.Count > 0)
            {
                Active.Dispose();
                Active = null;
                throw new ModelLoadException($"The model's grades {string.Join(", ", unknown)} are not this app's grades.");
            }
            LogLoaded(_logger, Active.Manifest.ModelVersion, directory);
        }
        catch (ModelLoadException e)
        {
            ManualModeReason = e.Message;
            LogManualMode(_logger, e.Message);
        }
    }

    /// <summary>The model whose suggestions graders see, or null in manual mode.</summary>
    public GradeModel? Active { get; private set; }

    public string? ManualModeReason { get; }

    public bool IsManualMode => Active is null;

    public void Dispose() => Active?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Vision model {ModelVersion} loaded from {Directory}")]
    private static partial void LogLoaded(ILogger logger, string modelVersion, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Manual mode, no suggestions: {Reason}")]
    private static partial void LogManualMode(ILogger logger, string reason);
}
