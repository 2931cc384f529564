using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ferry.Engine.Control.Migrations
{
    /// <inheritdoc />
    public partial class ThroughputBuckets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "throughput_buckets",
                schema: "ferry",
                columns: table => new
                {
                    subscription_id = table.Column<int>(type: "integer", nullable: false),
                    bucket_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    events = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_throughput_buckets", x => new { x.subscription_id, x.bucket_start });
                    table.ForeignKey(
                        name: "fk_throughput_buckets_subscriptions_subscription_id",
                        column: x => x.subscription_id,
                        principalSchema: "ferry",
                        principalTable: "subscriptions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_throughput_buckets_bucket_start",
                schema: "ferry",
                table: "throughput_buckets",
                column: "bucket_start");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "throughput_buckets",
                schema: "ferry");
        }
    }
}
