using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Returns.Grader.Web.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class QualityCounts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "QualityDailyCounts",
                columns: table => new
                {
                    Scope = table.Column<int>(type: "int", nullable: false),
                    ScopeValue = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: false),
                    Day = table.Column<int>(type: "int", nullable: false),
                    Figure = table.Column<int>(type: "int", nullable: false),
                    A = table.Column<int>(type: "int", nullable: false),
                    B = table.Column<int>(type: "int", nullable: false),
                    Count = table.Column<long>(type: "bigint", nullable: false),
                    Sum = table.Column<double>(type: "float", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_QualityDailyCounts", x => new { x.Scope, x.ScopeValue, x.Day, x.Figure, x.A, x.B });
                });

            migrationBuilder.CreateTable(
                name: "QualityHourlyCounts",
                columns: table => new
                {
                    Hour = table.Column<int>(type: "int", nullable: false),
                    ActorId = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: false),
                    Category = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    ModelVersion = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    ActorName = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: false),
                    Count = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_QualityHourlyCounts", x => new { x.Hour, x.ActorId, x.Category, x.ModelVersion });
                });

            migrationBuilder.CreateIndex(
                name: "IX_QualityHourlyCounts_ActorId_Hour",
                table: "QualityHourlyCounts",
                columns: new[] { "ActorId", "Hour" });

            migrationBuilder.CreateIndex(
                name: "IX_QualityHourlyCounts_Category_Hour",
                table: "QualityHourlyCounts",
                columns: new[] { "Category", "Hour" });

            migrationBuilder.CreateIndex(
                name: "IX_QualityHourlyCounts_ModelVersion_Hour",
                table: "QualityHourlyCounts",
                columns: new[] { "ModelVersion", "Hour" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "QualityDailyCounts");

            migrationBuilder.DropTable(
                name: "QualityHourlyCounts");
        }
    }
}
