using Microsoft.ML.OnnxRuntime;

namespace Returns.Grader.Vision.Inference;

/// <summary>How inference uses the machine. Threads are set deliberately: a server must not spin.</summary>
public sealed record InferenceSettings(int IntraOpThreads, int MaxConcurrentRuns, int MaxBatch)
{
    /// <summary>One thread per core, at most 64: the settings' range (a 128-core host did not start on defaults, operator pass).</summary>
    public static InferenceSettings Default { get; } = new(Math.Clamp(Environment.ProcessorCount, 1, 64), 1, 8);
}

/// <summary>What the network said about one input, before interpretation (familiarity, item box: null when the model has no such output).</summary>
public sealed record RawOutput(float[] GradeLogits, float[]? DamageLogits, float? Familiarity = null, float[]? ItemBox = null);

/// <summary>
/// One photo's suggestion: calibrated grade probabilities (manifest order), the top grade, and damage regions; and how
/// familiar the photo looks to the model (its score, and whether that reaches the manifest's threshold) and how much of
/// the photo the item fills (its share, and whether that is under the manifest's too-small rule) — null when the model
/// cannot tell.
/// </summary>
public sealed record PhotoSuggestion(
    string Grade, double Confidence, IReadOnlyDictionary<string, double> Probabilities, IReadOnlyList<SuggestedRegion> Regions,
    double? FamiliarityScore = null, bool? Familiar = null, double? ItemShare = null, bool? ItemTooSmall = null);

/// <summary>
/// One loaded model: its manifest and the single InferenceSession shared by every request (Run is thread-safe).
/// At most <see cref="InferenceSettings.MaxConcurrentRuns"/> runs at once; callers wait their turn, none is dropped.
/// </summary>
public sealed class GradeModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly SemaphoreSlim _gate;
    private readonly InferenceSettings _settings;

    private GradeModel(ModelManifest manifest, InferenceSession session, InferenceSettings settings)
    {
        Manifest = manifest;
        _session = session;
        _settings = settings;
        _gate = new SemaphoreSlim(settings.MaxConcurrentRuns);
    }

    public ModelManifest Manifest { get; }

    public static GradeModel Load(string directory, InferenceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (manifest, onnxPath) = ModelPackage.Read(directory);
        using var options = new SessionOptions
        {
            IntraOpNumThreads = settings.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // Spinning threads burn ~3× the CPU per request for a few ms of latency; a shared server cannot afford that.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        options.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        InferenceSession session;
        try
        {
            session = new InferenceSession(onnxPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelLoadException($"ONNX Runtime cannot load {onnxPath}: {e.Message}", e);
        }
        try
        {
            CheckShapes(manifest, session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
        return new GradeModel(manifest, session, settings);
    }

    /// <summary>The network's output names (a registration checks the manifest's list against them).</summary>
    public IReadOnlyCollection<string> OutputNames => [.. _session.OutputMetadata.Keys];

    private static void CheckShapes(ModelManifest manifest, InferenceSession session)
    {
        if (!session.InputMetadata.TryGetValue(manifest.Input.Name, out var input))
        {
            throw new ModelLoadException($"The network has no input '{manifest.Input.Name}' (it has {string.Join(", ", session.InputMetadata.Keys)}).");
        }
        var dims = input.Dimensions;
        if (dims.Length != 4 || dims[1] != 3 || (dims[2] > 0 && dims[2] != manifest.Input.Height) || (dims[3] > 0 && dims[3] != manifest.Input.Width))
        {
            throw new ModelLoadException($"Input '{manifest.Input.Name}' is [{string.Join(", ", dims)}]; the manifest says [N, 3, {manifest.Input.Height}, {manifest.Input.Width}].");
        }
        if (!session.OutputMetadata.TryGetValue(manifest.GradeOutputName, out var grades) || grades.Dimensions[^1] != manifest.Grades.Count)
        {
            throw new ModelLoadException($"The network has no output '{manifest.GradeOutputName}' with {manifest.Grades.Count} grades.");
        }
        if (manifest.HasDamageMap)
        {
            var map = manifest.DamageMap!;
            if (!session.OutputMetadata.TryGetValue(manifest.DamageOutputName, out var damage)
                || damage.Dimensions.Length != 3
                || damage.Dimensions[1] != map.GridHeight * map.GridWidth
                || damage.Dimensions[2] != manifest.DamageTypes.Count)
            {
                throw new ModelLoadException($"The network's '{manifest.DamageOutputName}' does not match a {map.GridHeight}×{map.GridWidth} map of {manifest.DamageTypes.Count} types.");
            }
        }
        if (manifest.Familiarity is { } familiarity)
        {
            if (!session.OutputMetadata.TryGetValue(familiarity.Output, out var scores))
            {
                throw new ModelLoadException(
                    $"The manifest's familiarity section names the output '{familiarity.Output}', which the network does not have (it has {string.Join(", ", session.OutputMetadata.Keys)}).");
            }
            if (scores.Dimensions.Length != 1 || scores.ElementDataType != Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float)
            {
                throw new ModelLoadException(
                    $"The network's familiarity output '{familiarity.Output}' is {scores.ElementDataType} [{string.Join(", ", scores.Dimensions)}]; it must be one float per photo ([batch]).");
            }
        }
        if (manifest.ItemSize is { } itemSize)
        {
            if (!session.OutputMetadata.TryGetValue(itemSize.Output, out var boxes))
            {
                throw new ModelLoadException(
                    $"The manifest's item_size section names the output '{itemSize.Output}', which the network does not have (it has {string.Join(", ", session.OutputMetadata.Keys)}).");
            }
            if (boxes.Dimensions.Length != 2 || boxes.Dimensions[1] != 4 || boxes.ElementDataType != Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float)
            {
                throw new ModelLoadException(
                    $"The network's item box output '{itemSize.Output}' is {boxes.ElementDataType} [{string.Join(", ", boxes.Dimensions)}]; it must be four floats per photo ([batch, 4]).");
            }
        }
    }

    /// <summary>Runs the network on preprocessed tensors (each <see cref="Preprocessing.TensorLength"/> floats), in batches.</summary>
    public async Task<IReadOnlyList<RawOutput>> RunAsync(IReadOnlyList<float[]> tensors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var results = new List<RawOutput>(tensors.Count);
        for (var start = 0; start < tensors.Count; start += _settings.MaxBatch)
        {
            var batch = tensors.Skip(start).Take(_settings.MaxBatch).ToList();
            await _gate.WaitAsync(cancellationToken);
            try
            {
                results.AddRange(Run(batch, cancellationToken));
            }
            finally
            {
                _gate.Release();
            }
        }
        return results;
    }

    /// <summary>
    /// One batch through the session with the OrtValue API (no copies into NamedOnnxValue). A cancelled token stops the
    /// run inside ONNX Runtime (<see cref="RunOptions.Terminate"/>), so an inference nobody will use (the request or the
    /// station's circuit went away) gives its core back at once instead of running to the end.
    /// </summary>
    public IReadOnlyList<RawOutput> Run(IReadOnlyList<float[]> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var input = Manifest.Input;
        var length = Preprocessing.TensorLength(input);
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i].Length != length)
            {
                throw new ArgumentException($"Tensor {i} has {batch[i].Length} floats; the model takes {length}.");
            }
        }
        // A single photo's tensor is used as it is; only a real batch is laid out into one array.
        var data = batch.Count == 1 ? batch[0] : new float[batch.Count * length];
        if (batch.Count > 1)
        {
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].CopyTo(data, i * length);
            }
        }

        using var inputValue = OrtValue.CreateTensorValueFromMemory(data, [batch.Count, 3, input.Height, input.Width]);
        List<string> outputNames = [Manifest.GradeOutputName];
        if (Manifest.HasDamageMap)
        {
            outputNames.Add(Manifest.DamageOutputName);
        }
        if (Manifest.Familiarity is { } familiarity)
        {
            outputNames.Add(familiarity.Output);
        }
        if (Manifest.ItemSize is { } itemSize)
        {
            outputNames.Add(itemSize.Output);
        }
        using var runOptions = new RunOptions();
        using var terminate = cancellationToken.Register(() => runOptions.Terminate = true);
        IDisposableReadOnlyCollection<OrtValue> outputs;
        try
        {
            outputs = _session.Run(runOptions, [input.Name], [inputValue], outputNames);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The inference was stopped: nobody waits for it any more.", cancellationToken);
        }
        using var _ = outputs;

        var grades = outputs[0].GetTensorDataAsSpan<float>();
        var gradeCount = Manifest.Grades.Count;
        var damage = Manifest.HasDamageMap ? outputs[1].GetTensorDataAsSpan<float>() : default;
        var damageLength = Manifest.HasDamageMap ? Manifest.DamageMap!.GridHeight * Manifest.DamageMap.GridWidth * Manifest.DamageTypes.Count : 0;
        var scoresAt = Manifest.HasFamiliarity ? outputNames.IndexOf(Manifest.Familiarity!.Output) : -1;
        var scores = scoresAt >= 0 ? outputs[scoresAt].GetTensorDataAsSpan<float>() : default;
        var boxes = Manifest.ItemSize is { } sized ? outputs[outputNames.IndexOf(sized.Output)].GetTensorDataAsSpan<float>() : default;
        var results = new RawOutput[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            results[i] = new RawOutput(
                grades.Slice(i * gradeCount, gradeCount).ToArray(),
                Manifest.HasDamageMap ? damage.Slice(i * damageLength, damageLength).ToArray() : null,
                scoresAt >= 0 ? scores[i] : null,
                Manifest.ItemSize is not null ? boxes.Slice(i * 4, 4).ToArray() : null);
        }
        return results;
    }

    /// <summary>Calibrated probabilities (softmax of logits / temperature) and regions in the photo's pixels.</summary>
    public PhotoSuggestion Interpret(RawOutput output, int photoWidth, int photoHeight)
    {
        ArgumentNullException.ThrowIfNull(output);
        var probabilities = Softmax(output.GradeLogits, Manifest.Calibration.Temperature);
        var best = 0;
        for (var i = 1; i < probabilities.Length; i++)
        {
            if (probabilities[i] > probabilities[best])
            {
                best = i;
            }
        }
        IReadOnlyList<SuggestedRegion> regions = [];
        if (Manifest.HasDamageMap && output.DamageLogits is { } logits)
        {
            var sigmoid = new float[logits.Length];
            for (var i = 0; i < logits.Length; i++)
            {
                sigmoid[i] = 1f / (1f + MathF.Exp(-logits[i]));
            }
            regions = DamageRegions.Extract(sigmoid, Manifest.DamageMap!.GridHeight, Manifest.DamageMap.GridWidth,
                Manifest.DamageTypes, Manifest.Regions!, photoWidth, photoHeight);
        }
        double? familiarity = Manifest.Familiarity is not null ? output.Familiarity : null;
        double? itemShare = Manifest.ItemSize is not null && output.ItemBox is { Length: 4 } box ? ItemSizeSettings.ShareOf(box) : null;
        return new PhotoSuggestion(
            Manifest.Grades[best], probabilities[best],
            Manifest.Grades.Select((grade, i) => (grade, p: probabilities[i])).ToDictionary(x => x.grade, x => x.p),
            regions,
            familiarity,
            familiarity is { } score ? Manifest.Familiarity!.IsFamiliar(score) : null,
            itemShare,
            itemShare is { } share ? Manifest.ItemSize!.IsTooSmall(share) : null);
    }

    public static double[] Softmax(IReadOnlyList<float> logits, double temperature)
    {
        ArgumentNullException.ThrowIfNull(logits);
        var max = logits.Max();
        var exp = logits.Select(l => Math.Exp((l - max) / temperature)).ToArray();
        var sum = exp.Sum();
        return exp.Select(e => e / sum).ToArray();
    }

    public void Dispose()
    {
        _session.Dispose();
        _gate.Dispose();
    }
}
