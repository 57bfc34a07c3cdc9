namespace Returns.Grader.Web.Features.Station;

/// <summary>One file going from the station's browser to the upload endpoint.</summary>
public sealed class PhotoUpload(string id, string fileName)
{
    public string Id { get; } = id;
    public string FileName { get; } = fileName;
    public double Percent { get; set; }
    public bool Done { get; set; }
    public string? Error { get; set; }

    /// <summary>The server was busy: the browser sends the photo again in this many seconds (null: not waiting).</summary>
    public int? RetryInSeconds { get; set; }

    public int Attempt { get; set; } = 1;

    public int MaxAttempts { get; set; } = 1;
}
