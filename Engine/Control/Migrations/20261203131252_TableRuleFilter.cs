using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ferry.Engine.Control.Migrations
{
    /// <inheritdoc />
    public partial class TableRuleFilter : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.RenameColumn(
                name: "row_filter",
                schema: "ferry",
                table: "table_rules",
                newName: "filter");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.RenameColumn(
                name: "filter",
                schema: "ferry",
                table: "table_rules",
                newName: "row_filter");
        }
    }
}
