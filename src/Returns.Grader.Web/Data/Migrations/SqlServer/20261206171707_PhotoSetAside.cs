using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Returns.Grader.Web.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class PhotoSetAside : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "SetAsideAt",
                table: "Photos",
                type: "datetime2",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SetAsideById",
                table: "Photos",
                type: "nvarchar(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SetAsideByName",
                table: "Photos",
                type: "nvarchar(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SetAsideReason",
                table: "Photos",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "SetAsideAt",
                table: "Photos");

            migrationBuilder.DropColumn(
                name: "SetAsideById",
                table: "Photos");

            migrationBuilder.DropColumn(
                name: "SetAsideByName",
                table: "Photos");

            migrationBuilder.DropColumn(
                name: "SetAsideReason",
                table: "Photos");
        }
    }
}
