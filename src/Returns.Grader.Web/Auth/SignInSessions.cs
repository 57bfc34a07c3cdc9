using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.EntityFrameworkCore;
using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Auth;

/// <summary>
/// Browser sign-ins and their sign-outs, for every node (ADR 0041). Each sign-in cookie carries a session id; signing
/// out writes it down, and from then on neither that cookie (wherever a copy of it is) nor a page that was already open
/// with it acts for the person: an open page's connection kept the person it started with, so at a shared station the
/// next person could claim and decide reviews under the previous one's name after they had signed out (security pass,
/// 2026-12-05).
/// </summary>
public sealed partial class SignInSessions(IDbContextFactory<GraderDb> dbFactory, TimeProvider clock, ILogger<SignInSessions> logger)
{
    public const string ClaimType = "grader:session";

    /// <summary>The longest a sign-in cookie lives without being used (sliding); a signed-out session is kept as long, and a little more.</summary>
    public static readonly TimeSpan CookieLifetime = TimeSpan.FromHours(12);

    public static string? SessionOf(ClaimsPrincipal user) => user?.FindFirst(ClaimType)?.Value;

    /// <summary>A new sign-in gets its session id (a cookie issued before ADR 0041 has none, and ends within a shift).</summary>
    public static void Stamp(ClaimsPrincipal? user)
    {
        if (user?.Identity is ClaimsIdentity identity && !identity.HasClaim(c => c.Type == ClaimType))
        {
            identity.AddClaim(new Claim(ClaimType, Guid.NewGuid().ToString("N")));
        }
    }

    /// <summary>
    /// Writes the session down as signed out (a failure is logged: the caller signs the browser out regardless). Sessions
    /// no cookie can outlive any more are forgotten afterwards, best effort: a failed clean-up never costs the sign-out.
    /// </summary>
    public async Task SignedOutAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (SessionOf(user) is not { } session)
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        try
        {
            await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            {
                if (!await db.SignedOutSessions.AnyAsync(s => s.SessionId == session, cancellationToken))
                {
                    db.SignedOutSessions.Add(new SignedOutSession { SessionId = session, SignedOutAt = now, ForgetAfter = now + CookieLifetime + TimeSpan.FromHours(1) });
                    await db.SaveChangesAsync(cancellationToken);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The same sign-out from two tabs at once is written once, which is all it needs; anything else is a failure.
            if (!await IsWrittenNowAsync(session, cancellationToken))
            {
                LogSignOutNotWritten(logger, e);
                return;
            }
        }
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await db.SignedOutSessions.Where(s => s.ForgetAfter < now).ExecuteDeleteAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCleanUpFailed(logger, e); // the next sign-out tries again
        }
    }

    /// <summary>After a failed write: whether another tab's sign-out wrote it meanwhile (false when that cannot be read either).</summary>
    private async Task<bool> IsWrittenNowAsync(string session, CancellationToken cancellationToken)
    {
        try
        {
            return await IsWrittenAsync(session, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Whether the session is written down as signed out: one primary-key lookup.</summary>
    private async Task<bool> IsWrittenAsync(string session, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.SignedOutSessions.AsNoTracking().AnyAsync(s => s.SessionId == session, cancellationToken);
    }

    /// <summary>
    /// False when the person's session was signed out. When the database cannot say, the sign-in is believed (and logged):
    /// with the database down nothing can be saved under anyone's name anyway, and refusing would sign every node's
    /// people out at once.
    /// </summary>
    public async Task<bool> StillSignedInAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (SessionOf(user) is not { } session)
        {
            return true;
        }
        try
        {
            return !await IsWrittenAsync(session, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Once a minute at most: every open page asks every 10 s, and 200 pages would log 20 lines a second.
            if (_checkFailureSaid.Now())
            {
                LogCheckFailed(logger, e);
            }
            return true;
        }
    }

    /// <summary>
    /// The person an open page acts for, checked at the moment of acting: between a sign-out and the page's next
    /// revalidation (up to <see cref="SignedOutPageRevalidation.Interval"/>) an Enter at the station saved a grade under
    /// the person who had just signed out (regression pass, 2026-12-05). Pages take the actor of a write from here.
    /// </summary>
    public async Task<Actor> ActingAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity?.IsAuthenticated != true || !await StillSignedInAsync(user, cancellationToken))
        {
            throw new SignedOutException();
        }
        return Actor.From(user);
    }

    /// <summary>The cookie handler's check on every request: a signed-out session's cookie is refused and removed.</summary>
    internal static async Task RejectSignedOutAsync(CookieValidatePrincipalContext context)
    {
        if (context.Principal is { } user
            && !await context.HttpContext.RequestServices.GetRequiredService<SignInSessions>().StillSignedInAsync(user, context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    private readonly Infrastructure.AtMostOncePer _checkFailureSaid = new(TimeSpan.FromMinutes(1), clock);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check whether a sign-in was signed out; it is believed for now (said at most once a minute)")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "A sign-out could not be written down: this browser is signed out, but pages open elsewhere with the same sign-in stay signed in until it expires")]
    private static partial void LogSignOutNotWritten(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Old signed-out sessions could not be cleaned up; the next sign-out tries again")]
    private static partial void LogCleanUpFailed(ILogger logger, Exception exception);
}

/// <summary>
/// An open page's sign-in, checked again every <see cref="Interval"/>: once its session is signed out (in another tab,
/// on another node) the page is the sign-in page, and nothing more is done under that person's name.
/// </summary>
public sealed class SignedOutPageRevalidation(ILoggerFactory loggerFactory, SignInSessions sessions) : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    /// <summary>A few seconds' window at most, for one indexed lookup per open page: cheap against a grade a second.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    protected override TimeSpan RevalidationInterval => Interval;

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        sessions.StillSignedInAsync(authenticationState.User, cancellationToken);
}

/// <summary>An open page acting after its person signed out (in another tab or window): nothing is done.</summary>
public sealed class SignedOutException()
    : Infrastructure.DomainProblemException("You have signed out (in another tab or window), so nothing was saved. Sign in again to go on.")
{
    public override int Status => StatusCodes.Status401Unauthorized;
    public override string Title => "Signed out";
}
