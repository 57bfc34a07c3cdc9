using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Returns.Grader.Web.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ModelStateConcurrencyToken : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {

        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

        }
    }
}
