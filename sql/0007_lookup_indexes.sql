-- Indexes that the country-scale benchmark data (5.6 million members,
-- scripts/demo-data --scale country) showed missing.
--
-- Logins and imports compare card numbers without case (upper() on both
-- sides); without this index every login read all members (1.6 s at
-- country size). The expression index is unique too: two cards that
-- differ only in case are the same card.
CREATE UNIQUE INDEX members_card_number_upper ON members (upper(card_number));

-- member_roles.granted_by references members: deleting a member looked
-- through every role row without it (17.8 s of the 20 s it took to remove
-- a province's 120,000 benchmark members).
CREATE INDEX member_roles_granted_by ON member_roles (granted_by);
