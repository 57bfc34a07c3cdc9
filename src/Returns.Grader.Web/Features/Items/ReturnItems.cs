using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;
using Returns.Grader.Web.Features.Grading;
using Returns.Grader.Web.Features.Models;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Items;

public sealed record CreateReturnRequest(string? ReturnId, string? Sku, string? Title, string? Category, decimal? UnitValue);

/// <param name="Warnings">What intake's quality check found (e.g. "dark"); empty when nothing.</param>
public sealed record PhotoSummary(Guid PhotoId, int Width, int Height, string Url, DateTime UploadedAt, IReadOnlyList<string>? Warnings = null)
{
    public static IReadOnlyList<string> WarningsOf(string? stored) =>
        string.IsNullOrEmpty(stored) ? [] : stored.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>A photo a person set aside (ADR 0052): shown apart, so it can be looked at and put back; it counts for nothing.</summary>
public sealed record SetAsidePhotoSummary(Guid PhotoId, int Width, int Height, string Url, DateTime UploadedAt, PhotoSetAsideReason Reason, DateTime SetAsideAt, string SetAsideBy);

public sealed record ReviewSummary(Guid TaskId, IReadOnlyList<ReviewReason> Reasons, ReviewStatus Status, DateTime CreatedAt, DateTime? DecidedAt);

public sealed record ReturnItemDetails(
    Guid Id, string ReturnId, string Sku, string Title, string Category, decimal UnitValue, ItemStatus Status, Guid Version,
    DateTime CreatedAt, IReadOnlyList<PhotoSummary> Photos, Suggestion? Suggestion, Guid? CurrentDecisionId,
    IReadOnlyList<DecisionSummary> Decisions, IReadOnlyList<ReviewSummary> Reviews)
{
    /// <summary>
    /// True for an item drawn for blind grading, whoever asks: the station and graders get no suggestion for it; a
    /// supervisor, data scientist or admin gets the suggestion and this flag together (ADR 0022).
    /// </summary>
    public bool Blind { get; init; }

    /// <summary>The photos people set aside, oldest first; <see cref="Photos"/> are the ones that count.</summary>
    public IReadOnlyList<SetAsidePhotoSummary> SetAsidePhotos { get; init; } = [];

    /// <summary>Whether any photo carries a quality warning: a suggestion from such photos is a guess (ADR 0017).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool AnyPhotoWarned => Enumerable.Any(Photos, p => p.Warnings is { Count: > 0 });

    /// <summary>A photo's number as the pages show the photos (1, 2, …), where the item has more than one that counts;
    /// null with one, or for a photo that does not count. A box's row says which photo it is on by it.</summary>
    public int? PhotoNumberOf(Guid photoId)
    {
        var counted = Photos; // by a local: the dependency check reads "Photos." as the Photos area (as AnyPhotoWarned's Enumerable.Any)
        if (counted.Count < 2)
        {
            return null;
        }
        for (var i = 0; i < counted.Count; i++)
        {
            if (counted[i].PhotoId == photoId)
            {
                return i + 1;
            }
        }
        return null;
    }
}

public sealed class DuplicateReturnIdException(string returnId) : DomainProblemException($"A return item with licence plate {returnId} already exists.")
{
    public string ReturnId { get; } = returnId;
    public override int Status => StatusCodes.Status409Conflict;
    public override string Title => "Duplicate licence plate";
    public override IReadOnlyDictionary<string, object?> Extensions => new Dictionary<string, object?> { ["returnId"] = ReturnId };
}

/// <summary>Return items: announced by upstream systems through the API, or created at the station by licence plate.</summary>
public sealed partial class ReturnItems(
    IDbContextFactory<GraderDb> dbFactory, RubricCatalog rubrics, ModelRegistry models,
    IOptionsMonitor<ReviewOptions> review, TimeProvider clock)
{
    public const int ReturnIdMaxLength = 64;

    /// <summary>Checks a create request; returns field errors in plain words (empty when valid).</summary>
    public static Dictionary<string, string[]> Validate(CreateReturnRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        var returnId = request.ReturnId?.Trim();
        if (string.IsNullOrEmpty(returnId))
        {
            errors["returnId"] = ["The licence plate (returnId) is required."];
        }
        else if (!IsLicencePlate(returnId))
        {
            errors["returnId"] = [$"That is not a licence plate ({LicencePlateRule})."];
        }
        Require(errors, "sku", request.Sku, 64);
        Require(errors, "title", request.Title, 300);
        Require(errors, "category", request.Category, 100);
        if (request.UnitValue is null)
        {
            errors["unitValue"] = ["The unit value is required."];
        }
        else if (request.UnitValue < 0 || request.UnitValue > 10_000_000 || decimal.Round(request.UnitValue.Value, 2) != request.UnitValue)
        {
            errors["unitValue"] = ["The unit value must be between 0 and 10,000,000 with at most two decimals."];
        }
        return errors;
    }

    private static void Require(Dictionary<string, string[]> errors, string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [$"The {field} is required."];
        }
        else if (value.Trim().Length > maxLength)
        {
            errors[field] = [$"The {field} may be at most {maxLength} characters."];
        }
        else if (value.Any(c => char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format))
        {
            // A null byte, line break or direction override is never part of a SKU, title or category, and would reach exports and pages.
            errors[field] = [$"The {field} may not contain control or formatting characters."];
        }
    }

    public static string NormalizeReturnId(string returnId) => returnId.Trim().ToUpperInvariant();

    /// <summary>Whether the text (trimmed) is a licence plate as items are announced now. Items announced before
    /// 2026-12-02 may have plates the rule refuses since ("-123", "A..B"): look one up before refusing it.</summary>
    public static bool IsLicencePlate(string returnId)
    {
        ArgumentNullException.ThrowIfNull(returnId);
        var trimmed = returnId.Trim();
        return trimmed.Length is > 0 and <= ReturnIdMaxLength && LicencePlatePattern().IsMatch(trimmed);
    }

    /// <summary>What a licence plate may hold, in plain words (the station's refusal and the API's share it).</summary>
    public static string LicencePlateRule =>
        $"it starts with a letter or digit and may use the letters A-Z and a-z, digits, '-', '_' and single '.', up to {ReturnIdMaxLength} characters";

    /// <summary>Creates the item; throws <see cref="DuplicateReturnIdException"/> if the licence plate is known.</summary>
    public async Task<ReturnItem> CreateAsync(CreateReturnRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var errors = Validate(request);
        if (errors.Count > 0)
        {
            throw new ValidationException(string.Join(" ", errors.Values.SelectMany(v => v)));
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var category = await CategorySpellingAsync(request.Category!.Trim(), cancellationToken);
        var item = new ReturnItem
        {
            Id = Guid.CreateVersion7(),
            ReturnId = NormalizeReturnId(request.ReturnId!),
            Sku = request.Sku!.Trim(),
            Title = request.Title!.Trim(),
            Category = category,
            UnitValue = request.UnitValue!.Value,
            Status = ItemStatus.Received,
            CreatedAt = now,
            CreatedBy = actor.Id,
            UpdatedAt = now,
        };
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.ReturnItems.AnyAsync(i => i.ReturnId == item.ReturnId, cancellationToken))
        {
            throw new DuplicateReturnIdException(item.ReturnId);
        }
        db.ReturnItems.Add(item);
        db.AuditEvents.Add(new AuditEvent
        {
            At = now,
            ActorId = actor.Id,
            ActorName = actor.Name,
            Action = "item.created",
            EntityType = nameof(ReturnItem),
            EntityId = item.Id.ToString(),
            DataJson = JsonSerializer.Serialize(new { item.ReturnId, item.Sku, item.Category, item.UnitValue }),
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Two creators raced; the unique index kept one.
            if (await ExistsAsync(item.ReturnId, cancellationToken))
            {
                throw new DuplicateReturnIdException(item.ReturnId);
            }
            throw;
        }
        return item;
    }

    /// <summary>Each category's spelling as first stored, by its upper-case form; loaded once, then kept up to date.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _categorySpellings = new(StringComparer.Ordinal);
    private volatile bool _categoriesLoaded;

    /// <summary>
    /// The spelling a category already has, in any case ("kitchen" for an item in "Kitchen" is "Kitchen"): the review
    /// queue, exports and disposition rules match categories in any case, but the quality figures split "kitchen" and
    /// "Kitchen" into two categories with part of the figures each (review of the quality figures, 2026-12-06).
    /// </summary>
    private async Task<string> CategorySpellingAsync(string category, CancellationToken cancellationToken)
    {
        var key = category.ToUpperInvariant();
        if (!_categorySpellings.ContainsKey(key))
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
#pragma warning disable CA1304, CA1311, CA1862 // translated to SQL UPPER(...) =: no .NET culture is involved
            // The spelling of the first item to use it, on every node alike (one read unordered took whichever row the
            // database gave first, and the full load the alphabetically first: diff review, 2026-12-07).
            var known = _categoriesLoaded
                // another node may have stored it since the load (SQL's upper() is ASCII-only on SQLite: a first spelling
                // with other capitals is then kept as sent)
                ? await db.ReturnItems.Where(i => i.Category.ToUpper() == key).OrderBy(i => i.CreatedAt).ThenBy(i => i.Id)
                    .Select(i => i.Category).Take(1).ToListAsync(cancellationToken)
                : (await db.ReturnItems.GroupBy(i => i.Category).Select(g => new { Spelling = g.Key, First = g.Min(i => i.CreatedAt) })
                    .ToListAsync(cancellationToken)).OrderBy(c => c.First).ThenBy(c => c.Spelling, StringComparer.Ordinal).Select(c => c.Spelling).ToList();
#pragma warning restore CA1304, CA1311, CA1862
            foreach (var spelling in known)
            {
                _categorySpellings.TryAdd(spelling.ToUpperInvariant(), spelling);
            }
            _categoriesLoaded = true;
        }
        return _categorySpellings.GetOrAdd(key, category);
    }

    private async Task<bool> ExistsAsync(string returnId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ReturnItems.AnyAsync(i => i.ReturnId == returnId, cancellationToken);
    }

    public async Task<Guid?> FindIdByReturnIdAsync(string returnId, CancellationToken cancellationToken)
    {
        var normalized = NormalizeReturnId(returnId);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ReturnItems.Where(i => i.ReturnId == normalized).Select(i => (Guid?)i.Id).SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>Whether the item is drawn for blind grading (fixed per item, so a reload shows the same).</summary>
    public bool IsBlind(Guid itemId) => ReviewRouter.IsBlind(itemId, review.CurrentValue.BlindShare);

    /// <summary>Whether this person is kept from the item's suggestion: a blind item, and a viewer who only grades (ADR 0022).</summary>
    public bool HidesSuggestionFrom(Guid itemId, ClaimsPrincipal viewer) => IsBlind(itemId) && !BlindGrading.MaySeeSuggestion(viewer);

    /// <summary>The item as this person may see it (the API): a blind item's suggestion only for those who may see it.</summary>
    public async Task<ReturnItemDetails?> GetForAsync(Guid id, ClaimsPrincipal viewer, CancellationToken cancellationToken)
    {
        var item = await GetAsync(id, cancellationToken);
        return item is { Blind: true } && !BlindGrading.MaySeeSuggestion(viewer) ? WithoutSuggestion(item) : item;
    }

    /// <summary>
    /// The item as the station shows it: for items drawn for blind grading, without the model's suggestion, whoever
    /// grades there (the station is the grading form, and its grades of such items are stored as blind).
    /// </summary>
    public async Task<ReturnItemDetails?> GetForStationAsync(Guid id, CancellationToken cancellationToken)
    {
        var item = await GetAsync(id, cancellationToken);
        return item is { Blind: true } ? WithoutSuggestion(item) : item;
    }

    /// <summary>No suggestion, and not the model's grade kept on the item's decisions either.</summary>
    private static ReturnItemDetails WithoutSuggestion(ReturnItemDetails item) => item with
    {
        Suggestion = null,
        Decisions = item.Decisions.Select(d => d.WithoutSuggestion()).ToList(),
    };

    /// <summary>The whole item, a blind item's suggestion included: for reviewers' pages; what a person is shown goes through <see cref="GetForAsync"/>.</summary>
    public async Task<ReturnItemDetails?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var item = await db.ReturnItems.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
        if (item is null)
        {
            return null;
        }
        var photos = await db.Photos.AsNoTracking().Where(p => p.ReturnItemId == id).OrderBy(p => p.UploadedAt).ThenBy(p => p.Id)
            .Select(p => new { p.Id, p.Width, p.Height, p.UploadedAt, p.QualityWarnings, p.SetAsideAt, p.SetAsideReason, p.SetAsideByName })
            .ToListAsync(cancellationToken);
        var photoSummaries = photos.Where(p => p.SetAsideReason is null).Select(p => new PhotoSummary(p.Id, p.Width, p.Height, "/api/v1/photos/" + p.Id, p.UploadedAt,
            PhotoSummary.WarningsOf(p.QualityWarnings))).ToList();
        var setAside = photos.Where(p => p.SetAsideReason is not null).Select(p => new SetAsidePhotoSummary(p.Id, p.Width, p.Height,
            "/api/v1/photos/" + p.Id, p.UploadedAt, p.SetAsideReason!.Value, p.SetAsideAt!.Value, p.SetAsideByName ?? "")).ToList();
        var suggestion = await Suggestions.LoadForItemAsync(db, id, rubrics.Active, models, cancellationToken);
        var decisions = await db.GradeDecisions.AsNoTracking().Include(d => d.Damage).Where(d => d.ReturnItemId == id)
            .OrderBy(d => d.DecidedAt).ThenBy(d => d.Id).ToListAsync(cancellationToken);
        var reviews = await db.ReviewTasks.AsNoTracking().Where(t => t.ReturnItemId == id).OrderBy(t => t.CreatedAt).ToListAsync(cancellationToken);
        return new ReturnItemDetails(
            item.Id, item.ReturnId, item.Sku, item.Title, item.Category, item.UnitValue, item.Status, item.Version, item.CreatedAt,
            photoSummaries, suggestion, item.CurrentDecisionId, decisions.Select(DecisionSummary.Of).ToList(),
            reviews.Select(t => new ReviewSummary(t.Id, t.ReasonList, t.Status, t.CreatedAt, t.DecidedAt)).ToList())
        {
            Blind = IsBlind(id),
            SetAsidePhotos = setAside,
        };
    }

    // Starts with a letter or digit, no "..": a plate that reads as a path ("." or "..") is never a label, and tools downstream may use it as one.
    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9_-]|\\.(?!\\.))*$")]
    private static partial Regex LicencePlatePattern();
}
