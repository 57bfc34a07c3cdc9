using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Returns.Grader.Web.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PhotoQualityWarnings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "QualityWarnings",
                table: "Photos",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PhotoWarnings",
                table: "GradeDecisions",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "QualityWarnings",
                table: "Photos");

            migrationBuilder.DropColumn(
                name: "PhotoWarnings",
                table: "GradeDecisions");
        }
    }
}
