using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Ferry.Engine.Control.Migrations
{
    /// <inheritdoc />
    public partial class AlertsAndCompareResults : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "alert_channels",
                schema: "ferry",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    enabled = table.Column<bool>(type: "boolean", nullable: false),
                    protected_webhook_url = table.Column<string>(type: "text", nullable: true),
                    webhook_format = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    smtp_host = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    smtp_port = table.Column<int>(type: "integer", nullable: false),
                    smtp_security = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    smtp_user_name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    protected_smtp_password = table.Column<string>(type: "text", nullable: true),
                    mail_from = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: true),
                    mail_to = table.Column<List<string>>(type: "text[]", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_alert_channels", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "alert_rules",
                schema: "ferry",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    kind = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    threshold = table.Column<double>(type: "double precision", nullable: false),
                    hold_for = table.Column<TimeSpan>(type: "interval", nullable: false),
                    repeat_every = table.Column<TimeSpan>(type: "interval", nullable: false),
                    enabled = table.Column<bool>(type: "boolean", nullable: false),
                    channel_ids = table.Column<List<int>>(type: "integer[]", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_alert_rules", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "table_compare_results",
                schema: "ferry",
                columns: table => new
                {
                    table_rule_id = table.Column<int>(type: "integer", nullable: false),
                    compared_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    tick_id = table.Column<long>(type: "bigint", nullable: true),
                    rows_differing = table.Column<long>(type: "bigint", nullable: false)
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

            migrationBuilder.CreateTable(
                name: "alerts",
                schema: "ferry",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    rule_id = table.Column<int>(type: "integer", nullable: true),
                    rule_name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    kind = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    subject = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    subject_name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    message = table.Column<string>(type: "text", nullable: false),
                    value = table.Column<double>(type: "double precision", nullable: true),
                    pending_since = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    fired_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    last_notified_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    resolved_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    resolved_notified = table.Column<bool>(type: "boolean", nullable: false),
                    notifications = table.Column<int>(type: "integer", nullable: false),
                    last_delivery_error = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_alerts", x => x.id);
                    table.ForeignKey(
                        name: "fk_alerts_alert_rules_rule_id",
                        column: x => x.rule_id,
                        principalSchema: "ferry",
                        principalTable: "alert_rules",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "ix_alert_channels_name",
                schema: "ferry",
                table: "alert_channels",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_alert_rules_name",
                schema: "ferry",
                table: "alert_rules",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_alerts_resolved_at",
                schema: "ferry",
                table: "alerts",
                column: "resolved_at");

            migrationBuilder.CreateIndex(
                name: "ix_alerts_rule_id_subject",
                schema: "ferry",
                table: "alerts",
                columns: new[] { "rule_id", "subject" },
                unique: true,
                filter: "status <> 'Resolved'");

            // The default rules, made once with the tables (an Admin may change or delete them; they do not come back).
            // Thresholds in seconds (lag, paused, ticker) or events (pending). No channel: an Admin adds one.
            migrationBuilder.Sql("""
                INSERT INTO ferry.alert_rules (name, kind, threshold, hold_for, repeat_every, enabled, channel_ids, created_at, updated_at)
                VALUES ('Lag above 5 minutes', 'Lag', 300, interval '5 minutes', interval '1 hour', true, '{}', now(), now()),
                       ('Subscription or table in error', 'Error', 0, interval '0', interval '1 hour', true, '{}', now(), now()),
                       ('Paused longer than 1 hour', 'Paused', 3600, interval '0', interval '6 hours', true, '{}', now(), now()),
                       ('Node unreachable', 'NodeUnreachable', 0, interval '2 minutes', interval '1 hour', true, '{}', now(), now()),
                       ('Ticker not ticking', 'TickerStalled', 120, interval '0', interval '1 hour', true, '{}', now(), now()),
                       ('More than 1,000,000 events pending', 'PendingEvents', 1000000, interval '5 minutes', interval '1 hour', true, '{}', now(), now()),
                       ('Compare found differences', 'CompareDifferences', 0, interval '0', interval '1 day', true, '{}', now(), now())
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "alert_channels",
                schema: "ferry");

            migrationBuilder.DropTable(
                name: "alerts",
                schema: "ferry");

            migrationBuilder.DropTable(
                name: "table_compare_results",
                schema: "ferry");

            migrationBuilder.DropTable(
                name: "alert_rules",
                schema: "ferry");
        }
    }
}
