using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Ferry.Engine.Control.Migrations
{
    /// <inheritdoc />
    public partial class CompareReports : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "differs",
                schema: "ferry",
                table: "table_rules",
                type: "boolean",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "compare_reports",
                schema: "ferry",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    subscription_id = table.Column<int>(type: "integer", nullable: false),
                    table_rule_id = table.Column<int>(type: "integer", nullable: false),
                    state = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    requested_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    tick = table.Column<long>(type: "bigint", nullable: true),
                    columns = table.Column<List<string>>(type: "text[]", nullable: false),
                    key_columns = table.Column<List<string>>(type: "text[]", nullable: false),
                    source_rows = table.Column<long>(type: "bigint", nullable: false),
                    target_rows = table.Column<long>(type: "bigint", nullable: false),
                    chunks_done = table.Column<int>(type: "integer", nullable: false),
                    chunks_estimated = table.Column<int>(type: "integer", nullable: false),
                    differing_chunks = table.Column<int>(type: "integer", nullable: false),
                    missing = table.Column<long>(type: "bigint", nullable: false),
                    extra = table.Column<long>(type: "bigint", nullable: false),
                    different = table.Column<long>(type: "bigint", nullable: false),
                    differences_kept = table.Column<int>(type: "integer", nullable: false),
                    error = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_compare_reports", x => x.id);
                    table.ForeignKey(
                        name: "fk_compare_reports_subscriptions_subscription_id",
                        column: x => x.subscription_id,
                        principalSchema: "ferry",
                        principalTable: "subscriptions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_compare_reports_table_rules_table_rule_id",
                        column: x => x.table_rule_id,
                        principalSchema: "ferry",
                        principalTable: "table_rules",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "compare_differences",
                schema: "ferry",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    report_id = table.Column<int>(type: "integer", nullable: false),
                    kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    key = table.Column<List<string>>(type: "text[]", nullable: false),
                    columns = table.Column<List<string>>(type: "text[]", nullable: false),
                    source_row = table.Column<List<string>>(type: "text[]", nullable: true),
                    target_row = table.Column<List<string>>(type: "text[]", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_compare_differences", x => x.id);
                    table.ForeignKey(
                        name: "fk_compare_differences_compare_reports_report_id",
                        column: x => x.report_id,
                        principalSchema: "ferry",
                        principalTable: "compare_reports",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_compare_differences_report_id_id",
                schema: "ferry",
                table: "compare_differences",
                columns: new[] { "report_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_compare_reports_subscription_id",
                schema: "ferry",
                table: "compare_reports",
                column: "subscription_id");

            migrationBuilder.CreateIndex(
                name: "ix_compare_reports_table_rule_id_started_at",
                schema: "ferry",
                table: "compare_reports",
                columns: new[] { "table_rule_id", "started_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "compare_differences",
                schema: "ferry");

            migrationBuilder.DropTable(
                name: "compare_reports",
                schema: "ferry");

            migrationBuilder.DropColumn(
                name: "differs",
                schema: "ferry",
                table: "table_rules");
        }
    }
}
