import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Organisation-wide IP allow and deny rules, checked on every authenticated call. `created_by`
 * is not a foreign key: a rule outlives the person who made it, like an invitation does.
 */
export class IpRules1763884800005 implements MigrationInterface {
  name = "IpRules1763884800005";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "clawkeep_ip_rules" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "org_id" uuid NOT NULL REFERENCES "clawkeep_orgs" ("id") ON DELETE CASCADE,
        "rule_type" text NOT NULL CHECK ("rule_type" IN ('allow', 'deny')),
        "cidr" text NOT NULL,
        "label" text NOT NULL DEFAULT '',
        "applies_to" text NOT NULL DEFAULT '',
        "created_by" uuid NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_ip_rules_org" ON "clawkeep_ip_rules" ("org_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "clawkeep_ip_rules"`);
  }
}
