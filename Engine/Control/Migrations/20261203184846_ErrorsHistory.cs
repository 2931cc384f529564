using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Ferry.Engine.Control.Migrations
{
    /// <inheritdoc />
    public partial class ErrorsHistory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "needs_compare",
                schema: "ferry",
                table: "table_rules",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "error_groups",
                schema: "ferry",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    subscription_id = table.Column<int>(type: "integer", nullable: false),
                    table_rule_id = table.Column<int>(type: "integer", nullable: true),
                    source_table = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    sql_state = table.Column<string>(type: "character varying(5)", maxLength: 5, nullable: false),
                    cause = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    transient = table.Column<bool>(type: "boolean", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    count = table.Column<long>(type: "bigint", nullable: false),
                    first_seen = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_seen = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    closed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    resolution = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_error_groups", x => x.id);
                    table.ForeignKey(
                        name: "fk_error_groups_subscriptions_subscription_id",
                        column: x => x.subscription_id,
                        principalSchema: "ferry",
                        principalTable: "subscriptions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_error_groups_table_rules_table_rule_id",
                        column: x => x.table_rule_id,
                        principalSchema: "ferry",
                        principalTable: "table_rules",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "error_occurrences",
                schema: "ferry",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    group_id = table.Column<long>(type: "bigint", nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    tick_id = table.Column<long>(type: "bigint", nullable: true),
                    message = table.Column<string>(type: "text", nullable: false),
                    server_message = table.Column<string>(type: "text", nullable: false),
                    detail = table.Column<string>(type: "text", nullable: true),
                    ending = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    event_id = table.Column<long>(type: "bigint", nullable: true),
                    operation = table.Column<string>(type: "character varying(1)", maxLength: 1, nullable: true),
                    key = table.Column<string>(type: "text", nullable: true),
                    row = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_error_occurrences", x => x.id);
                    table.ForeignKey(
                        name: "fk_error_occurrences_error_groups_group_id",
                        column: x => x.group_id,
                        principalSchema: "ferry",
                        principalTable: "error_groups",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_error_groups_closed_at",
                schema: "ferry",
                table: "error_groups",
                column: "closed_at");

            migrationBuilder.CreateIndex(
                name: "ix_error_groups_subscription_id_last_seen",
                schema: "ferry",
                table: "error_groups",
                columns: new[] { "subscription_id", "last_seen" });

            migrationBuilder.CreateIndex(
                name: "ix_error_groups_table_rule_id",
                schema: "ferry",
                table: "error_groups",
                column: "table_rule_id");

            migrationBuilder.CreateIndex(
                name: "ix_error_occurrences_group_id_at",
                schema: "ferry",
                table: "error_occurrences",
                columns: new[] { "group_id", "at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "error_occurrences",
                schema: "ferry");

            migrationBuilder.DropTable(
                name: "error_groups",
                schema: "ferry");

            migrationBuilder.DropColumn(
                name: "needs_compare",
                schema: "ferry",
                table: "table_rules");
        }
    }
}
