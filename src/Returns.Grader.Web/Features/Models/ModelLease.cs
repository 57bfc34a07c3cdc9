using Returns.Grader.Vision.Inference;

namespace Returns.Grader.Web.Features.Models;

/// <summary>
/// A loaded model and how many are using it: the registry holds one reference while the model is in its slot, each
/// upload request one while it infers. The session is disposed when the last reference goes, so a switch never pulls a
/// model out from under a photo in flight.
/// </summary>
public sealed class LoadedModel(GradeModel model, Guid registrationId)
{
    private int _references = 1;

    public GradeModel Model { get; } = model;
    public Guid RegistrationId { get; } = registrationId;
    public string Version => Model.Manifest.ModelVersion;

    internal LoadedModel Acquire()
    {
        Interlocked.Increment(ref _references);
        return this;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            Model.Dispose();
        }
    }
}

/// <summary>The models one request uses, held until it is disposed (see <see cref="LoadedModel"/>).</summary>
public sealed class ModelLease(LoadedModel? active, LoadedModel? shadow) : IDisposable
{
    private int _disposed;

    public GradeModel? Active => active?.Model;
    public GradeModel? Shadow => shadow?.Model;

    /// <summary>Releases the models once, however often it is called (a double release would dispose a model in use).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            active?.Release();
            shadow?.Release();
        }
    }
}
