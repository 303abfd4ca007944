-- The database floor for the hot query: the JSON the server answers
-- (`bench/queries/hot.graphql`: a page of 20 reviews of films directed by
-- :slug, each with its film, directors and cast), built by one statement.
-- bench/run checks that it equals the server's answer, then runs it with
--   pgbench -n -M prepared -f bench/floor.sql -D slug=SLUG -c 32 -j 2 -T 10
-- Global IDs are base64url("Type:id") without padding; dates are RFC 3339.
-- pgbench reads ":name" as a variable anywhere, so no colon in the text is
-- followed by a letter (hence HH24":"MI":"SS in to_char).
WITH page AS (
  SELECT r.id, r.slug, r.headline, r.excerpt, r.published_at, r.film_id
  FROM review r
  WHERE r.status = 'PUBLISHED' AND r.published_at <= now()
    AND r.film_id IN (
      SELECT c.film_id FROM credit c JOIN person p ON p.id = c.person_id
      WHERE p.slug = :slug AND c.role = 'DIRECTOR')
  ORDER BY r.published_at DESC, r.id DESC
  LIMIT 21
)
SELECT json_build_object('data', json_build_object('reviews', json_build_object(
  'pageInfo', json_build_object('hasNextPage', (SELECT count(*) FROM page) > 20),
  'edges', COALESCE((
    SELECT json_agg(json_build_object('node', json_build_object(
      'id', rtrim(translate(encode(convert_to('Review:' || r.id, 'UTF8'), 'base64'), '+/', '-_'), '='),
      'slug', r.slug,
      'headline', r.headline,
      'excerpt', r.excerpt,
      'publishedAt', to_char(r.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24":"MI":"SS"+00:00"'),
      'film', json_build_object(
        'id', rtrim(translate(encode(convert_to('Film:' || f.id, 'UTF8'), 'base64'), '+/', '-_'), '='),
        'title', f.title,
        'releaseYear', f.release_year,
        'directors', COALESCE((
          SELECT json_agg(json_build_object(
            'id', rtrim(translate(encode(convert_to('Person:' || p.id, 'UTF8'), 'base64'), '+/', '-_'), '='),
            'name', p.name) ORDER BY c.billing_order, c.id)
          FROM credit c JOIN person p ON p.id = c.person_id
          WHERE c.film_id = f.id AND c.role = 'DIRECTOR'), '[]'),
        'cast', COALESCE((
          SELECT json_agg(json_build_object(
            'character', c.character,
            'person', json_build_object(
              'id', rtrim(translate(encode(convert_to('Person:' || p.id, 'UTF8'), 'base64'), '+/', '-_'), '='),
              'name', p.name)) ORDER BY c.billing_order, c.id)
          FROM credit c JOIN person p ON p.id = c.person_id
          WHERE c.film_id = f.id AND c.role = 'ACTOR'), '[]')
      )
    )) ORDER BY r.published_at DESC, r.id DESC)
    FROM (SELECT * FROM page ORDER BY published_at DESC, id DESC LIMIT 20) r
    JOIN film f ON f.id = r.film_id
  ), '[]')
)));
