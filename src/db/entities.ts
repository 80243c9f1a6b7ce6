// Every TypeORM entity, listed once. Each domain module adds its own as it lands.
export const ENTITIES: Function[] = [];
