-- The app's own database beside Temporal's (docker-compose.yml). Temporal's databases are created by
-- temporal-admin-tools.
CREATE ROLE creatorflow LOGIN PASSWORD 'creatorflow';
CREATE DATABASE creatorflow OWNER creatorflow;
