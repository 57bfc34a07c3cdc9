using System.Net.Http.Json;
using System.Text.Json;

namespace Returns.Grader.TestSupport;

/// <summary>Small helpers for reading API answers as JSON documents (tests assert on the wire shape, not on app types).</summary>
public static class ApiJson
{
    /// <summary>
    /// An export's status once it has ended (completed or failed), polled until then; after the deadline its latest
    /// status is returned as it is, for the caller's assertion to report.
    /// </summary>
    public static async Task<JsonElement> WaitForExportAsync(this HttpClient client, string id, int seconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var export = await (await client.GetAsync($"/api/v1/exports/{id}")).ReadJsonAsync();
            if (export.GetProperty("status").GetString() is "completed" or "failed" || DateTime.UtcNow > deadline)
            {
                return export;
            }
            await Task.Delay(100);
        }
    }

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public static async Task<JsonElement> CreateItemAsync(this HttpClient client, string returnId, decimal unitValue = 25m, string category = "Kitchen")
    {
        var response = await client.PostAsJsonAsync("/api/v1/returns", new { returnId, sku = "SKU-" + returnId, title = "Item " + returnId, category, unitValue });
        if (response.StatusCode != System.Net.HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Create failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        return await response.ReadJsonAsync();
    }

    public static MultipartFormDataContent PhotoForm(params (string FileName, byte[] Bytes, string ContentType)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (fileName, bytes, contentType) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
            form.Add(part, "file", fileName);
        }
        return form;
    }

    public static string UniquePlate(string prefix = "LP") => $"{prefix}-{Guid.NewGuid().ToString("N")[..10].ToUpperInvariant()}";
}
