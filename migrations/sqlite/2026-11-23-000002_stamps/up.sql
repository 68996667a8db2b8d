-- Keys of the stamp serial MAC. Generated at first start; several may exist
-- after a rotation: the newest issues, all of them still verify.
CREATE TABLE serial_key (
    key_id INTEGER PRIMARY KEY NOT NULL,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Links a producer registers for a product (GS1 link types such as
-- gs1:recipeInfo), served by the resolver as 307 redirects and in linksets.
CREATE TABLE product_link (
    id TEXT PRIMARY KEY NOT NULL,
    product_id TEXT NOT NULL REFERENCES product (id),
    link_type TEXT NOT NULL,
    href TEXT NOT NULL,
    title TEXT NOT NULL,
    lang TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (product_id, link_type)
);
