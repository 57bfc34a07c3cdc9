using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Returns.Grader.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DecisionPrefills : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "DispositionPrefilled",
                table: "GradeDecisions",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "GradePrefilled",
                table: "GradeDecisions",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "DispositionPrefilled",
                table: "GradeDecisions");

            migrationBuilder.DropColumn(
                name: "GradePrefilled",
                table: "GradeDecisions");
        }
    }
}
