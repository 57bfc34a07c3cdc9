using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Returns.Grader.Web.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class OneModelPerSlot : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Two active (or shadow) models could only come from the race ADR 0043 closed; the index cannot be made over
            // them, so the one that took its slot last keeps it and the others retire (the registry follows the database).
            migrationBuilder.Sql("UPDATE [RegisteredModels] SET [State] = N'Retired' WHERE [State] <> N'Retired' AND [Id] NOT IN (SELECT [Id] FROM (SELECT [Id], ROW_NUMBER() OVER (PARTITION BY [State] ORDER BY [StateChangedAt] DESC) AS [Rank] FROM [RegisteredModels] WHERE [State] <> N'Retired') AS [Ranked] WHERE [Rank] = 1)");

            migrationBuilder.DropIndex(
                name: "IX_RegisteredModels_State",
                table: "RegisteredModels");

            migrationBuilder.CreateIndex(
                name: "IX_RegisteredModels_OneModelPerSlot",
                table: "RegisteredModels",
                column: "State",
                unique: true,
                filter: "[State] <> N'Retired'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_RegisteredModels_OneModelPerSlot",
                table: "RegisteredModels");

            migrationBuilder.CreateIndex(
                name: "IX_RegisteredModels_State",
                table: "RegisteredModels",
                column: "State");
        }
    }
}
