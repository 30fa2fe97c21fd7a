-- Run once by the postgres image, on an empty data volume (deploy/docker-compose.yml mounts it
-- into /docker-entrypoint-initdb.d): the desk's database is POSTGRES_DB (supportbot_desk);
-- this adds the one Rasa keeps conversations in (its tracker store; Rasa creates the tables).
CREATE DATABASE supportbot_tracker;
