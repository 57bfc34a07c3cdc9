using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Returns.Grader.Vision.Inference;
using Returns.Grader.Vision.Photos;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Models;

/// <summary>The checks a model passes before the registry keeps or loads it: it loads, speaks this app's grades, damage types
/// and rubric, and runs on a sample photo to a sane suggestion.</summary>
public sealed partial class ModelRegistry
{
    /// <summary>What the upload check measured.</summary>
    public sealed record ValidationResult(string SampleGrade, double SampleConfidence, int SampleRegions, double LatencyMs, int InputWidth, int InputHeight);

    private static readonly JsonSerializerOptions ExportJson = JsonSerializerOptions.Web;

    private async Task<ValidationResult> ValidateAsync(string directory, ReadOnlyMemory<byte> samplePhoto, CancellationToken cancellationToken)
    {
        GradeModel model;
        try
        {
            model = LoadChecked(directory);
        }
        catch (ModelLoadException e)
        {
            throw ModelRejectedException.FromUpload(e, directory);
        }
        using (model)
        {
            // Every output the manifest lists is the network's: one naming 'grade_scores' registered on the network's
            // 'grade_logits' by the fallback name (models pass, 2026-12-05), so it described another network. Checked
            // on upload only: a model registered before this check still loads (it ran until now).
            if (model.Manifest.Outputs.FirstOrDefault(o => !model.OutputNames.Contains(o.Name)) is { } missing)
            {
                throw new ModelRejectedException($"The manifest's outputs name '{missing.Name}', which the network does not have (it has {string.Join(", ", model.OutputNames)}).");
            }
            if (model.Manifest.Input.Width is < 16 or > 2048 || model.Manifest.Input.Height is < 16 or > 2048)
            {
                throw new ModelRejectedException($"The manifest's input size {model.Manifest.Input.Width}×{model.Manifest.Input.Height} is not a photo size this app runs (16–2048 px a side).");
            }
            var started = Stopwatch.GetTimestamp();
            SanitizedPhoto photo;
            PhotoSuggestion suggestion;
            try
            {
                photo = PhotoSanitizer.Sanitize(samplePhoto.Span, PhotoLimits.Default, model.Manifest.Input);
                var output = (await model.RunAsync([photo.ModelInput!], cancellationToken))[0];
                suggestion = model.Interpret(output, photo.Width, photo.Height);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new ModelRejectedException($"The model loads but fails on a sample photo: {e.Message}");
            }
            var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var total = suggestion.Probabilities.Values.Sum();
            if (suggestion.Probabilities.Values.Any(p => !double.IsFinite(p) || p < 0) || Math.Abs(total - 1) > 1e-3)
            {
                throw new ModelRejectedException($"The model's grade probabilities on a sample photo are not a distribution (they sum to {total:0.####}).");
            }
            return new ValidationResult(suggestion.Grade, Math.Round(suggestion.Confidence, 4), suggestion.Regions.Count, Math.Round(latency, 1),
                model.Manifest.Input.Width, model.Manifest.Input.Height);
        }
    }

    /// <summary>
    /// A model learned grades under a rubric: the app must know that rubric, and the severity points the model was
    /// trained with must be that rubric's (a model trained under other points would suggest grades by other rules).
    /// </summary>
    private string? RubricProblem(ModelManifest manifest)
    {
        if (rubrics.Find(manifest.RubricVersion) is not { } rubric)
        {
            return $"The model was trained under rubric '{manifest.RubricVersion}', which this app does not know (it knows {string.Join(", ", rubrics.Versions)}).";
        }
        if (manifest.SeverityPoints.Count == 0)
        {
            return null; // a plain classifier (e.g. a Hugging Face export) states no points: nothing to compare
        }
        var differences = Enum.GetValues<DamageType>()
            .Select(type => (Name: WireName<DamageType>.Of(type), Rubric: rubric.PointsOf(type),
                Model: manifest.SeverityPoints.TryGetValue(WireName<DamageType>.Of(type), out var points) ? points : (int?)null))
            .Where(p => p.Model != p.Rubric)
            .Select(p => $"{p.Name} {p.Model?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing"} (rubric {rubric.Version}: {p.Rubric})")
            .ToList();
        return differences.Count == 0 ? null
            : $"The model's severity points differ from rubric {rubric.Version}: {string.Join(", ", differences)}.";
    }

    /// <summary>Loads a model and checks that it speaks this app's grades, damage types and rubric.</summary>
    private GradeModel LoadChecked(string directory)
    {
        var model = GradeModel.Load(directory, options.Value.ToSettings());
        var unknownGrades = model.Manifest.Grades.Where(g => !Enum.GetNames<Grade>().Contains(g, StringComparer.Ordinal)).ToList(); // exact names: not "3", not "Good,VeryGood"
        var unknownTypes = model.Manifest.DamageTypes.Where(t => !WireName<DamageType>.TryParse(t, out _)).ToList();
        if (unknownGrades.Count > 0 || unknownTypes.Count > 0)
        {
            model.Dispose();
            throw new ModelLoadException(unknownGrades.Count > 0
                ? $"The model's grades {string.Join(", ", unknownGrades)} are not this app's grades."
                : $"The model's damage types {string.Join(", ", unknownTypes)} are not this app's damage types.");
        }
        if (RubricProblem(model.Manifest) is { } problem)
        {
            model.Dispose();
            throw new ModelLoadException(problem);
        }
        return model;
    }
}
