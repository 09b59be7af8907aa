using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Imaging.ResultsApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class SeriesAnalysisProgress : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "progress",
                table: "series_analyses",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "stage",
                table: "series_analyses",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "progress",
                table: "series_analyses");

            migrationBuilder.DropColumn(
                name: "stage",
                table: "series_analyses");
        }
    }
}
