using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;

namespace Returns.Grader.IntegrationTests;

/// <summary>
/// No SQL Server engine can run here (docs/operations.md), so the SQL Server side is checked as far as a parser goes:
/// the idempotent script of its migration set and every hand-written T-SQL statement of the app must parse as T-SQL
/// (SQL Server 2022 / Azure SQL grammar). This catches syntax errors, not wrong names or behaviour.
/// </summary>
public sealed partial class SqlServerScriptTests
{
    private static SqlServerGraderDb SqlServerDb() =>
        new(new DbContextOptionsBuilder<SqlServerGraderDb>().UseSqlServer("Server=unused;Database=unused").Options);

    [Fact]
    public void IdempotentMigrationScript_ParsesAsTSql()
    {
        using var db = SqlServerDb();

        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        Assert.Contains("CREATE TABLE [ReturnItems]", script, StringComparison.Ordinal);
        Assert.Contains("__EFMigrationsHistory", script, StringComparison.Ordinal);
        AssertParses(script, "the idempotent script of the SQL Server migrations");
    }

    [Fact]
    public void HandWrittenStatements_ParseAsTSql()
    {
        using var db = SqlServerDb();

        var (daily, hourly) = QualityCountChanges.UpsertsFor(db);

        AssertParses(daily, "the SQL Server daily-count upsert (QualityCounts.cs)");
        AssertParses(hourly, "the SQL Server hourly-count upsert (QualityCounts.cs)");
    }

    /// <summary>
    /// Raw SQL in src/ lives only where these tests know of it: a new hand-written statement must be added to
    /// <see cref="HandWrittenStatements_ParseAsTSql"/> (and given its SQLite and PostgreSQL forms) before this passes.
    /// </summary>
    [Fact]
    public void RawSql_IsOnlyWhereTheParseTestLooks()
    {
        var known = new[] { "Features/Decisions/QualityCounts.cs", "Data/DataRegistration.cs" }; // the latter: SQLite pragmas only
        var source = Path.Combine(RepositoryPaths.Root, "src", "Returns.Grader.Web");

        var withRawSql = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => RawSql().IsMatch(File.ReadAllText(f)))
            .Select(f => Path.GetRelativePath(source, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal);

        Assert.Equal(known.Order(StringComparer.Ordinal), withRawSql);
    }

    [Fact]
    public void ASyntaxError_IsReportedWithItsLine()
    {
        var errors = ParseErrors("SELECT 1;\nUPDATE [QualityDailyCounts] SET WHERE [Day] = 1;");

        Assert.Contains(errors, e => e.Line == 2);
    }

    private static IList<ParseError> ParseErrors(string sql)
    {
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(sql);
        parser.Parse(reader, out var errors);
        return errors;
    }

    private static void AssertParses(string sql, string what)
    {
        var errors = ParseErrors(sql);
        var lines = sql.Split('\n');
        Assert.True(errors.Count == 0, $"{what} does not parse as T-SQL:\n" + string.Join('\n', errors.Select(e =>
            $"  line {e.Line}, column {e.Column}: {e.Message}\n    {(e.Line >= 1 && e.Line <= lines.Length ? lines[e.Line - 1].TrimEnd() : "")}")));
    }

    [GeneratedRegex(@"CommandText\s*=|ExecuteSql|FromSql|SqlQuery(Raw)?\s*<|\.SqlQuery\(")]
    private static partial Regex RawSql();
}
