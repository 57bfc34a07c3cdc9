using Returns.Grader.Web.Data;

namespace Returns.Grader.Bench.Quality.Seeding;

/// <summary>What the seeder makes: a busy month of one site. The defaults give 700,000 station + 300,000 review decisions.</summary>
public sealed record SeedShape
{
    public int Items { get; init; } = 700_000;
    public int Reviewed { get; init; } = 300_000;
    public int Open { get; init; } = 15_000;
    public int Associates { get; init; } = 30;
    public int Supervisors { get; init; } = 6;
    public int Days { get; init; } = 30;
    /// <summary>Open tasks were created within this many days (the queue is worked daily).</summary>
    public int OpenWithinDays { get; init; } = 3;
    public double BlindShare { get; init; } = 0.10;
    /// <summary>Items graded while the model was unavailable (no suggestion, no prediction).</summary>
    public double NoSuggestionShare { get; init; } = 0.02;
    /// <summary>False (the default): a photo and a prediction for each reviewed item, as the brief asks; true: for every
    /// item the model saw, as production would have.</summary>
    public bool PredictionsForAllItems { get; init; }
    public int RandomSeed { get; init; } = 4;

    public const string ModelVersion = "grader-vit-v1@1.0.0";

    public static readonly IReadOnlyList<string> Categories =
    [
        "Apparel", "Shoes", "Electronics", "Home & Kitchen", "Toys", "Beauty", "Sports", "Books", "Garden", "Tools",
        "Baby", "Pet Supplies", "Office", "Jewelry", "Automotive", "Health", "Luggage", "Music", "Video Games", "Furniture",
    ];

    public int Decisions => Items + Reviewed;

    public static string AssociateId(int index) => $"associate-{index + 1:D2}";

    public static string AssociateName(int index) => $"Associate {index + 1:D2}";

    public static string SupervisorId(int index) => $"supervisor-{index + 1:D2}";
}

/// <summary>What was seeded, counted while seeding: the expected answers for the read-back checks.</summary>
public sealed class SeedCounts
{
    private const int G = 5;

    public required string DatabasePath { get; init; }
    public DateTime Now { get; init; }
    public DateTime First { get; set; }
    public DateTime Last { get; set; }
    public long Items { get; set; }
    public long StationDecisions { get; set; }
    public long ReviewDecisions { get; set; }
    public long OpenTasks { get; set; }
    public long Photos { get; set; }
    public long Predictions { get; set; }
    public long DamageRegions { get; set; }
    public long Blind { get; set; }
    public long HighValueItems { get; set; }
    public long[,] GraderVsFinal { get; } = new long[G, G];
    public long[,] ModelVsFinal { get; } = new long[G, G];
    public long[,] GraderVsModel { get; } = new long[G, G];
    /// <summary>Reviewed pairs whose grader, whose supervisor, and whose both marked each damage type (DamageType order).</summary>
    public long[] DamageGrader { get; } = new long[Enum.GetValues<DamageType>().Length];
    public long[] DamageFinal { get; } = new long[Enum.GetValues<DamageType>().Length];
    public long[] DamageBoth { get; } = new long[Enum.GetValues<DamageType>().Length];
    public Dictionary<ReviewReason, long> TasksByReason { get; } = Enum.GetValues<ReviewReason>().ToDictionary(r => r, _ => 0L);
    public Dictionary<ReviewReason, long> OpenByReason { get; } = Enum.GetValues<ReviewReason>().ToDictionary(r => r, _ => 0L);
    public Dictionary<string, long> ItemsByCategory { get; } = [];
    public Dictionary<string, long> StationByAssociate { get; } = [];
    /// <summary>Distinct (associate, hour) pairs with station decisions: the throughput rows of the month.</summary>
    public HashSet<(int Associate, long Hour)> ThroughputRows { get; } = [];
    public TimeSpan Elapsed { get; set; }
    public long FileBytes { get; set; }

    public static long Sum(long[,] cells) => cells.Cast<long>().Sum();
}
