namespace Returns.Grader.Web.Data;

/// <summary>
/// A browser sign-in that was signed out (ADR 0041). Sign-in cookies are stateless and an open page's connection
/// keeps the person it started with, so the sign-out is written down here for every node: a cookie or an open page
/// carrying this session is no longer believed. Kept until the longest a cookie could have lived has passed.
/// </summary>
public sealed class SignedOutSession
{
    public required string SessionId { get; set; }

    public DateTime SignedOutAt { get; set; }

    /// <summary>After this no cookie of the session can still be valid, and the row can go.</summary>
    public DateTime ForgetAfter { get; set; }
}
