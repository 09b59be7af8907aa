using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Imaging.ImagingImport.Tracking.Migrations
{
    /// <inheritdoc />
    public partial class StudyClaims : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "claimed_at",
                table: "study_imports",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "claimed_at",
                table: "study_imports");
        }
    }
}
