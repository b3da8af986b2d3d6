from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_line_parent_triggers")]

    operations = [
        migrations.AddConstraint(
            model_name="billingdocument",
            constraint=models.CheckConstraint(
                condition=models.Q(("number__regex", "^[A-Za-z0-9][A-Za-z0-9_.-]*$")),
                name="document_number_routable",
                violation_error_message="A document number starts with an ASCII letter or digit and holds only those, -, _ and .",
            ),
        ),
    ]
