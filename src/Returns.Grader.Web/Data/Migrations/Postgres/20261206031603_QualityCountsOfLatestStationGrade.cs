using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Returns.Grader.Web.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class QualityCountsOfLatestStationGrade : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // No schema change: the dashboard's counts now take a station grade a correction replaced out of grader-vs-model
            // and acceptance. Emptied here, they are rebuilt from the decisions at the next start under that definition
            // (QualityCountRebuild.RebuildIfMissingAsync), so old and new days follow one rule.
            migrationBuilder.Sql("DELETE FROM \"QualityDailyCounts\"");
            migrationBuilder.Sql("DELETE FROM \"QualityHourlyCounts\"");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Nothing to undo: emptied counts are rebuilt at the next start.
        }
    }
}
