using Returns.Grader.Vision.Inference;
using Returns.Grader.Vision.Photos;

namespace Returns.Grader.Bench.Vision.Paths;

/// <summary>The two ways from a photo's bytes to its suggestion that the bench times.</summary>
public static class SuggestionPaths
{
    /// <summary>(a) Inference path alone: shrink-on-load decode, orient, resize, tensor, infer, regions (boxes in the
    /// full upright photo's pixels).</summary>
    public static PhotoSuggestion InferencePath(GradeModel model, byte[] jpeg)
    {
        ArgumentNullException.ThrowIfNull(model);
        var tensor = new float[Preprocessing.TensorLength(model.Manifest.Input)];
        var (width, height) = ModelInputDecoder.Decode(jpeg, model.Manifest.Input, tensor);
        var output = model.Run([tensor])[0];
        return model.Interpret(output, width, height);
    }

    /// <summary>(b) The app's intake path (PhotoIntake): sanitize once for the stored copy and the tensor, infer,
    /// interpret against the stored copy's size.</summary>
    public static (PhotoSuggestion Suggestion, SanitizedPhoto Photo) IntakePath(GradeModel model, byte[] jpeg, PhotoLimits limits)
    {
        ArgumentNullException.ThrowIfNull(model);
        var photo = PhotoSanitizer.Sanitize(jpeg, limits, model.Manifest.Input);
        var output = model.Run([photo.ModelInput!])[0];
        return (model.Interpret(output, photo.Width, photo.Height), photo);
    }
}
