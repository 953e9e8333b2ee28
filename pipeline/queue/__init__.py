"""What waits for each user: the acts their role can record now on the cases of their scope (the
queue page, the home page, the count in the menu), and the e-mail digest of it."""
