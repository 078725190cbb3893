import { describe, expect, it } from 'vitest';
import { mapPayload } from '../../../../../functions/mapping/index.ts';
import { MappingError } from '../../../../../functions/mapping/types.ts';
import { leadSchemaErrors, senderFixture } from '../lead-rules.ts';

const input = (payload: unknown) => ({
  payload,
  contentType: 'application/json',
  headers: {},
  phoneRegion: 'US',
});
const fixture = () =>
  structuredClone(senderFixture('typeform_form_response.json').json) as {
    form_response: Record<string, unknown> & {
      calculated: { score: number };
      answers: Record<string, unknown>[];
    };
  };

describe('typeform preset', () => {
  it('maps the documented form_response example', async () => {
    // Act
    const lead = await mapPayload({ preset: 'typeform' }, input(fixture()));
    // Assess
    expect(lead).toEqual({
      deliveryId: 'LtWXD3crgy',
      submittedAt: '2018-01-18T18:17:02.000Z',
      email: 'laura@example.com',
      firstName: 'Laura',
      message:
        "It's cold right now! I live in an older medium-sized city with a university. Geographically, the area is hilly.",
      consent: {
        terms: true,
        text: 'By submitting this form, you understand and accept that we will share your answers with city management. Your answers will be anonymous will not be shared.',
      },
      attribution: {
        formId: 'lT4Z3j',
        formName: 'Webhooks example',
        externalId: 'a3a12ec67a1365927098a606107fac15',
      },
      score: 9,
      custom: {
        readable_ref_date: '2005-10-15',
        readable_ref_picture_choice: 'London, Sydney',
        readable_ref_number1: 5,
        readable_ref_multiple_choice: 'London',
        readable_ref_yes_no: false,
        readable_ref_opinion_scale: 2,
        readable_ref_rating: 3,
        readable_ref_number2: 4,
      },
    });
    expect(leadSchemaErrors(lead)).toEqual([]);
  });

  it.each([
    [-12, 0],
    [250, 100],
    [42, 42],
  ])('clamps calculated.score %d to %d', async (score, expected) => {
    const payload = fixture();
    payload.form_response.calculated.score = score;
    const lead = await mapPayload({ preset: 'typeform' }, input(payload));
    expect(lead.score).toBe(expected);
  });

  it('reads hidden utm fields, a phone answer and keeps other hidden fields in custom', async () => {
    // Arrange
    const payload = fixture();
    payload.form_response.hidden = { utm_source: 'newsletter', utm_campaign: 'spring', partner: 'acme' };
    payload.form_response.answers.push({
      type: 'phone_number',
      phone_number: '+14155552671',
      field: { id: 'phone1', type: 'phone_number' },
    });
    // Act
    const lead = await mapPayload({ preset: 'typeform' }, input(payload));
    // Assess
    expect(lead.utm).toEqual({ source: 'newsletter', campaign: 'spring' });
    expect(lead.phone).toBe('+14155552671');
    expect(lead.custom?.partner).toBe('acme');
  });

  it('quarantines a response without email or phone as no_contact', async () => {
    const payload = fixture();
    payload.form_response.answers = payload.form_response.answers.filter((a) => a.type !== 'email');
    await expect(mapPayload({ preset: 'typeform' }, input(payload))).rejects.toMatchObject({
      code: 'no_contact',
    });
  });

  it.each([[{ event_type: 'form_response' }], [[]], [null]])(
    'rejects %j as unexpected_shape',
    async (payload) => {
      const error = await mapPayload({ preset: 'typeform' }, input(payload)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MappingError);
      expect((error as MappingError).code).toBe('unexpected_shape');
    },
  );
});
