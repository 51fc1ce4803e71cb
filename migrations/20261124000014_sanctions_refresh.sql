-- Scheduled refresh of sanctions lists from configured URLs: the last ETag seen per source, so an
-- unchanged list is not downloaded and imported again.
create table sanctions_feed (
    source       text primary key,
    url          text not null,
    etag         text,
    checked_at   timestamptz,
    imported_at  timestamptz,
    last_error   text
);
