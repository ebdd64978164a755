"""The default letters (seed 003's protocol letter in substance), as rows administrators edit.

The text is frozen here, as it was when this migration was written; conferences/letter_defaults.py
holds the same words for a fresh row."""

from django.db import migrations

DEFAULTS = {
    "acknowledgement": {
        "subject": "Transfer-in conference request received: our reference {{ reference }}",
        "body": "Dear {{ social_worker }}\n\nRe: Request for Transfer-In Child Protection Case Conference re {{ children_names }}\n\nThank you for your request for a Transfer In Child Protection Case Conference for the above {{ child_or_children }}, received by our Multi-Agency Safeguarding Hub.\n\nWe have passed the details to our Case Conference team and the Service Manager for Quality Assurance. A Case Conference Administrator will contact you shortly with our protocol and the information we need.\n\nOur reference: {{ reference }}\n\nYours sincerely\n\nMASH\n",
    },
    "protocol": {
        "subject": "Request for Transfer-In Child Protection Case Conference: {{ reference }}",
        "body": 'Dear Colleague\n\nRe: Request for Transfer-In Child Protection Case Conference re {{ children_names }}\n{% for child in children %}\n- {{ child.full_name }}, born {{ child.date_of_birth|date:"j F Y" }}{% if child.reference %} (our reference {{ child.reference }}){% endif %}{% endfor %}\n\nThank you for your recent communication in respect of the above {{ child_or_children }} moving to this area.\n\nIn order to progress your request for a Transfer in Child Protection Case Conference, under the terms of our protocol further information and action is requested:\n\nDocumentation required:\n\n{{ documents }}\n\nAction required:\n\n- In advance of Conference, Local Core Group of professionals identified by yourselves (please request further information on local links if necessary), provided with Child Protection Plan and included on invitation list to Conference\n\nOn receipt of the above, the allocated Independent Chair will contact you to discuss the issues relating to Conference and a Case Conference administrator will contact you to agree the invitation list.\n\nWe look forward to hearing from you.\n\nYours sincerely\n\nIndependent Chair\n{{ cca_team }}\nOur reference: {{ reference }}\n',
    },
    "accepted": {
        "subject": "Transfer-in conference request accepted: {{ reference }}",
        "body": 'Dear {{ social_worker }}\n\nRe: Request for Transfer-In Child Protection Case Conference re {{ children_names }}\n\nThank you for the information you sent about the above {{ child_or_children }}. Having discussed it with the receiving team manager, we agree to hold a Transfer In Child Protection Case Conference.\n\nOur reasons:\n{{ reasons }}\n\nWe will offer you a tentative date based on the date the family moved into our area ({{ moved_in_on|date:"j F Y" }}). Please contact our Case Conference team 2 weeks before that date to finalise the arrangements. Our locality team will agree with you the welfare visits it will make on your behalf. Until the date of the Transfer In conference, responsibility for the {% if several %}children{% else %}child{% endif %} remains with {{ requesting_authority }}.\n\nOur reference: {{ reference }}\n\nYours sincerely\n\n{{ signed }}\nService Manager, Quality Assurance\n',
    },
    "declined": {
        "subject": "Transfer-in conference request declined: {{ reference }}",
        "body": "Dear {{ social_worker }}\n\nRe: Request for Transfer-In Child Protection Case Conference re {{ children_names }}\n\nThank you for the information you sent about the above {{ child_or_children }}. Having discussed it with the receiving team manager, we are not able to agree to a Transfer In Child Protection Case Conference at this time, for the reasons set out in our policy on transfer in requests:\n\n{{ reasons }}\n\nResponsibility for the {% if several %}children{% else %}child{% endif %} remains with {{ requesting_authority }}. Please contact us if anything changes.\n\nOur reference: {{ reference }}\n\nYours sincerely\n\n{{ signed }}\nService Manager, Quality Assurance\n",
    },
    "outstanding": {
        "subject": "Transfer-in conference: information still needed ({{ reference }})",
        "body": 'Dear {{ social_worker }}\n\nRe: Transfer-In Child Protection Case Conference re {{ children_names }}\n{% if conference_at %}\nThe conference is arranged for {{ conference_at|date:"l j F Y \\a\\t H:i" }}.\n{% endif %}\nTo prepare for the conference we still need:\n\n{{ outstanding }}\n\nPlease also confirm the invitation list, including the local Core Group of professionals, and remember that the updated report for the Independent Chair and Team Manager, shared with the family, is due at least 48 hours before the conference.\n\nOur reference: {{ reference }}\n\nYours sincerely\n\nCase Conference Administrator\n{{ cca_team }}\n',
    },
}


def load(apps, schema_editor):
    LetterTemplate = apps.get_model("conferences", "LetterTemplate")
    for kind, text in DEFAULTS.items():
        LetterTemplate.objects.get_or_create(kind=kind, defaults=text)


class Migration(migrations.Migration):
    dependencies = [("conferences", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
