using Returns.Grader.TestSupport;
using Returns.Grader.Vision.Inference;

namespace Returns.Grader.IntegrationTests.Vision;

/// <summary>
/// Issue 16, "cancellation that means something": an inference whose caller has gone is stopped inside ONNX Runtime
/// (RunOptions.Terminate) and reported as cancelled, not run to the end; the model still answers the next caller.
/// </summary>
public sealed class InferenceCancellationTests : IDisposable
{
    private readonly GradeModel _model = GradeModel.Load(RepositoryPaths.ShippedModel, new InferenceSettings(1, 1, 8));

    [Fact]
    public void CancelledRun_StopsInsideOnnxRuntime_AndTheNextRunAnswers()
    {
        var tensors = Enumerable.Range(0, 4).Select(_ => new float[Preprocessing.TensorLength(_model.Manifest.Input)]).ToList();
        using var gone = new CancellationTokenSource();
        gone.Cancel();

        // Run directly (not RunAsync, whose gate would refuse the cancelled token before ONNX Runtime saw it).
        Assert.ThrowsAny<OperationCanceledException>(() => _model.Run(tensors, gone.Token));

        var outputs = _model.Run(tensors, CancellationToken.None);
        Assert.Equal(4, outputs.Count);
        Assert.All(outputs, o => Assert.Equal(_model.Manifest.Grades.Count, o.GradeLogits.Length));
    }

    public void Dispose() => _model.Dispose();
}
