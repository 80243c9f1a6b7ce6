import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * What the console reads, indexed.
 *
 * - `IDX_clawkeep_audit_events_agent_actor`: an agent's last audited action (its last_active_at)
 *   is the newest event whose actor it is; ListAgents asks for every agent of an organisation at
 *   once, one backward index probe per agent. Partial: only events acted by agents.
 * - `IDX_clawkeep_invitations_org`: an organisation's pending invitations (ListInvitations).
 *
 * (Built in the migration's transaction, not CONCURRENTLY: migrations run one transaction each.)
 */
export class Console1763884800012 implements MigrationInterface {
  name = "Console1763884800012";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "IDX_clawkeep_audit_events_agent_actor" ON "clawkeep_audit_events" ("org_id", "actor_id", "created_at") WHERE "actor_type" = 'agent'`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_invitations_org" ON "clawkeep_invitations" ("org_id", "created_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_clawkeep_invitations_org"`);
    await queryRunner.query(`DROP INDEX "IDX_clawkeep_audit_events_agent_actor"`);
  }
}
