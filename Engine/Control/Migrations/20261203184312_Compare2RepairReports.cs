using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ferry.Engine.Control.Migrations
{
    /// <inheritdoc />
    public partial class Compare2RepairReports : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "repair_deleted",
                schema: "ferry",
                table: "compare_reports",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "repair_of_report_id",
                schema: "ferry",
                table: "compare_reports",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "repair_written",
                schema: "ferry",
                table: "compare_reports",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_compare_reports_repair_of_report_id",
                schema: "ferry",
                table: "compare_reports",
                column: "repair_of_report_id");

            migrationBuilder.AddForeignKey(
                name: "fk_compare_reports_compare_reports_repair_of_report_id",
                schema: "ferry",
                table: "compare_reports",
                column: "repair_of_report_id",
                principalSchema: "ferry",
                principalTable: "compare_reports",
                principalColumn: "id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_compare_reports_compare_reports_repair_of_report_id",
                schema: "ferry",
                table: "compare_reports");

            migrationBuilder.DropIndex(
                name: "ix_compare_reports_repair_of_report_id",
                schema: "ferry",
                table: "compare_reports");

            migrationBuilder.DropColumn(
                name: "repair_deleted",
                schema: "ferry",
                table: "compare_reports");

            migrationBuilder.DropColumn(
                name: "repair_of_report_id",
                schema: "ferry",
                table: "compare_reports");

            migrationBuilder.DropColumn(
                name: "repair_written",
                schema: "ferry",
                table: "compare_reports");
        }
    }
}
