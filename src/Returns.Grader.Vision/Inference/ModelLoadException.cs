namespace Returns.Grader.Vision.Inference;

/// <summary>A model that cannot be used, with the reason in words an operator can act on.</summary>
public sealed class ModelLoadException(string message, Exception? inner = null) : Exception(message, inner);
