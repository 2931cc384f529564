using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ferry.Engine.Control.Migrations
{
    /// <inheritdoc />
    public partial class AuditAppendOnly : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The audit trail is append-only in the database too, not only in ControlDbContext: an UPDATE from any
            // client fails. DELETE stays possible for a future retention job.
            migrationBuilder.Sql("""
                CREATE FUNCTION ferry.refuse_audit_update() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'audit entries are never changed (id %)', OLD.id
                        USING ERRCODE = 'insufficient_privilege';
                END;
                $$;

                CREATE TRIGGER audit_entries_append_only
                    BEFORE UPDATE ON ferry.audit_entries
                    FOR EACH ROW EXECUTE FUNCTION ferry.refuse_audit_update();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER audit_entries_append_only ON ferry.audit_entries;
                DROP FUNCTION ferry.refuse_audit_update();
                """);
        }
    }
}
