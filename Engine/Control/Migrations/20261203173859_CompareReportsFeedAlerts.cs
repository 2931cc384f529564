using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ferry.Engine.Control.Migrations
{
    /// <inheritdoc />
    public partial class CompareReportsFeedAlerts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "table_compare_results",
                schema: "ferry");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "table_compare_results",
                schema: "ferry",
                columns: table => new
                {
                    table_rule_id = table.Column<int>(type: "integer", nullable: false),
                    compared_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    rows_differing = table.Column<long>(type: "bigint", nullable: false),
                    tick_id = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_table_compare_results", x => x.table_rule_id);
                    table.ForeignKey(
                        name: "fk_table_compare_results_table_rules_table_rule_id",
                        column: x => x.table_rule_id,
                        principalSchema: "ferry",
                        principalTable: "table_rules",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });
        }
    }
}
