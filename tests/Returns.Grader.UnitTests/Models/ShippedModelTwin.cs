using System.Text;
using System.Text.Json.Nodes;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Models;

namespace Returns.Grader.UnitTests.Models;

/// <summary>The shipped model's very file registered again under a new version (a re-export, not a new model), as shadow.</summary>
internal static class ShippedModelTwin
{
    /// <param name="withoutTooSmallRule">its manifest without the <c>item_size</c> rule, as a site's retrain of 4.2.0
    /// wrote it before 2026-12-07: the network's box output is there, and nothing reads it.</param>
    public static async Task<RegisteredModelView> RegisterAsync(ModelRegistry registry, SamplePhoto sample, Actor actor, string version,
        bool withoutTooSmallRule = false)
    {
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.ShippedModel, "model.json")))!;
        manifest["version"] = version;
        if (withoutTooSmallRule)
        {
            manifest.AsObject().Remove("item_size");
        }
        await using var onnx = File.OpenRead(Path.Combine(RepositoryPaths.ShippedModel, "model.onnx"));
        using var json = new MemoryStream(Encoding.UTF8.GetBytes(manifest.ToJsonString()));
        return await registry.RegisterAsync(onnx, json, null, ModelState.Shadow, actor, sample.Bytes, CancellationToken.None);
    }
}
