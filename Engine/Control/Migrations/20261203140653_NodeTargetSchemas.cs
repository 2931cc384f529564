using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ferry.Engine.Control.Migrations
{
    /// <inheritdoc />
    public partial class NodeTargetSchemas : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<List<string>>(
                name: "target_schemas",
                schema: "ferry",
                table: "nodes",
                type: "text[]",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "target_schemas",
                schema: "ferry",
                table: "nodes");
        }
    }
}
