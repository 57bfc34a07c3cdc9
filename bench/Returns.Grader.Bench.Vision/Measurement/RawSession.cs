using Microsoft.ML.OnnxRuntime;

namespace Returns.Grader.Bench.Vision.Measurement;

/// <summary>
/// An InferenceSession built like GradeModel.Load builds it (sequential, inter-op 1, all graph optimizations), except
/// that spinning can be turned on: GradeModel always turns it off, so the spinning comparison needs its own session.
/// </summary>
public sealed class RawSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly string[] _outputNames;
    private readonly long[] _inputShape;

    public RawSession(string onnxPath, int intraOpThreads, bool? allowSpinning, long[] inputShape, string? inputName = null, string[]? outputNames = null)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (allowSpinning is { } spin)
        {
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", spin ? "1" : "0");
            options.AddSessionConfigEntry("session.inter_op.allow_spinning", spin ? "1" : "0");
        }
        _session = new InferenceSession(onnxPath, options);
        _inputName = inputName ?? _session.InputMetadata.Keys.First();
        _outputNames = outputNames ?? [.. _session.OutputMetadata.Keys];
        _inputShape = inputShape;
    }

    /// <summary>Runs one input (and a second one for two-input graphs such as MatMul).</summary>
    public void Run(float[] input, float[]? second = null)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, _inputShape);
        using var runOptions = new RunOptions();
        if (second is null)
        {
            using var outputs = _session.Run(runOptions, [_inputName], [value], _outputNames);
            return;
        }
        using var secondValue = OrtValue.CreateTensorValueFromMemory(second, _inputShape);
        var names = _session.InputMetadata.Keys.ToArray();
        using var results = _session.Run(runOptions, names, [value, secondValue], _outputNames);
    }

    public void Dispose() => _session.Dispose();
}
