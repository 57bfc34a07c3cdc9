namespace Returns.Grader.TestSupport;

/// <summary>Paths in the checkout, found from the test binaries by walking up to Returns.Grader.sln.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The shipped model folder (models/grader-vit-v1), the one the app loads by default. GRADER_TEST_MODEL_DIR
    /// points the tests at another model folder (e.g. a candidate being trained).</summary>
    public static string ShippedModel => Environment.GetEnvironmentVariable("GRADER_TEST_MODEL_DIR") ?? Path.Combine(Root, "models", "grader-vit-v1");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Returns.Grader.sln")))
            {
                return directory.FullName;
            }
        }
        throw new DirectoryNotFoundException("Returns.Grader.sln not found above the test binaries.");
    }
}
