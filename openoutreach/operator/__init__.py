"""What the operator touches: onboarding, CSV import/export, keyword suggestions and the admin dashboard."""
