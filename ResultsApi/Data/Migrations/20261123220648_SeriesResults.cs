using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Imaging.ResultsApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class SeriesResults : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "series_analyses",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    source_id = table.Column<Guid>(type: "uuid", nullable: false),
                    series_instance_uid = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    triage_status = table.Column<string>(type: "text", nullable: true),
                    usecase = table.Column<string>(type: "text", nullable: true),
                    files = table.Column<string>(type: "jsonb", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: true),
                    datetime_queued = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    datetime_updated = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_series_analyses", x => x.id);
                    table.ForeignKey(
                        name: "FK_series_analyses_sources_source_id",
                        column: x => x.source_id,
                        principalTable: "sources",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "source_api_tokens",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    source_id = table.Column<Guid>(type: "uuid", nullable: false),
                    token_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    created_by = table.Column<string>(type: "text", nullable: true),
                    datetime_created = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    revoked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_source_api_tokens", x => x.id);
                    table.ForeignKey(
                        name: "FK_source_api_tokens_sources_source_id",
                        column: x => x.source_id,
                        principalTable: "sources",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_series_analyses_source_id_series_instance_uid",
                table: "series_analyses",
                columns: new[] { "source_id", "series_instance_uid" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_source_api_tokens_source_id",
                table: "source_api_tokens",
                column: "source_id");

            migrationBuilder.CreateIndex(
                name: "IX_source_api_tokens_token_hash",
                table: "source_api_tokens",
                column: "token_hash",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "series_analyses");

            migrationBuilder.DropTable(
                name: "source_api_tokens");
        }
    }
}
