using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Returns.Grader.Web.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class PredictionFamiliarity : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Familiar",
                table: "Predictions",
                type: "bit",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "FamiliarityScore",
                table: "Predictions",
                type: "float",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Familiar",
                table: "Predictions");

            migrationBuilder.DropColumn(
                name: "FamiliarityScore",
                table: "Predictions");
        }
    }
}
